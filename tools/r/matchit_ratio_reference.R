# R MatchIt reference for k:1 matching, matching with replacement and Mahalanobis distance
# (survival_stats/matching.py: nearest_neighbour_pairs, mahalanobis_pairs, matching_weights).
# Usage (from anywhere): Rscript tools/r/matchit_ratio_reference.R [out_dir]
# out_dir defaults to tests/statistics/data. Uses MatchIt's own `lalonde` (the rows of
# lalonde.csv, written by tools/r/matchit_reference.R). Writes
#   <out_dir>/matchit_ratio_reference.json
# Versions used: R 4.2.2, MatchIt 4.5.1 (Debian r-cran-matchit), jsonlite 1.8.4. Deterministic.
#
# PS configurations pass the glm PS as distance = 2^30 * ps: this MatchIt build truncates PS
# distances to integers in nn_matchC_vec (see tools/r/matchit_reference.R); the rescaling is
# exact and leaves MatchIt's rule with real distances. Mahalanobis matching runs in nn_matchC,
# which compares doubles: it is run as a user calls it, distance = "mahalanobis".
# Per configuration: the match matrix (1-based lalonde rows: treated row, then its controls in
# match.matrix column order, null = no control in that column), matchit()'s weights for all
# 614 rows, and summary()'s standardised mean differences after matching.
suppressPackageStartupMessages({library(MatchIt); library(jsonlite)})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) {
  out_dir <- args[1]
} else {
  file_arg <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  out_dir <- file.path(dirname(normalizePath(file_arg)), "..", "..", "tests", "statistics", "data")
}
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
out_dir <- normalizePath(out_dir)

data("lalonde", package = "MatchIt")
d <- lalonde
fml <- treat ~ age + educ + race + married + nodegree + re74 + re75
K <- 2^30
ps <- unname(glm(fml, data = d, family = binomial)$fitted.values)

quiet <- function(expr) withCallingHandlers(expr, warning = function(w) {
  if (grepl("Fewer control units|Not all treated units", conditionMessage(w)))
    invokeRestart("muffleWarning")
})
smd_table <- function(tab) setNames(as.list(unname(tab[, "Std. Mean Diff."])), rownames(tab))

rows_of <- function(m) {
  mm <- m$match.matrix
  t_row <- match(rownames(mm), rownames(d))
  lapply(seq_len(nrow(mm)), function(i) c(t_row[i], match(mm[i, ], rownames(d))))
}

run <- function(name, distance, options) {
  base <- list(formula = fml, data = d, method = "nearest")
  by_matrix <- distance == "glm" && isTRUE(options$replace) && !is.null(options$ratio) &&
    options$ratio > 1
  vec_451 <- NULL
  if (by_matrix) {
    # nn_matchC_vec of MatchIt 4.5.1 gives each treated unit its single nearest control k
    # times with replace = TRUE and ratio = k > 1 (it compares 0-based positions with the
    # 1-based rows it stored; fixed in MatchIt 4.5.3, NEWS: "bug ... replace = TRUE and ratio
    # greater than 1", #159). Stored as `match_matrix_vec_451`; the reference is nn_matchC on
    # the |ps_t - ps_c| matrix (real doubles, the k nearest), the caliper given as its width
    # caliper x sd(ps) over all units, which is what std.caliper = TRUE computes.
    vec_451 <- rows_of(quiet(do.call(matchit, c(base, list(distance = K * ps), options))))
    tr <- d$treat == 1
    mat_opts <- options
    if (!is.null(options$caliper)) {
      mat_opts$caliper <- options$caliper * sd(ps)
      mat_opts$std.caliper <- FALSE
    }
    m <- quiet(do.call(matchit, c(base, list(distance = abs(outer(ps[tr], ps[!tr], "-"))),
                                  mat_opts)))
  } else {
    dist_arg <- if (distance == "glm") K * ps else distance
    m <- quiet(do.call(matchit, c(base, list(distance = dist_arg), options)))
  }
  rows <- rows_of(m)
  s <- summary(m)
  smd <- smd_table(s$sum.matched)  # a distance matrix gives no "distance" row
  list(
    by = if (by_matrix) "distance matrix |ps_t - ps_c| (nn_matchC)" else
      if (distance == "glm") "distance = 2^30 * ps (nn_matchC_vec)" else
        "distance = 'mahalanobis' (nn_matchC)",
    match_matrix_vec_451 = vec_451,
    name = name,
    distance = distance,
    ratio = if (is.null(options$ratio)) 1L else options$ratio,
    replace = isTRUE(options$replace),
    caliper = if (is.null(options$caliper)) NULL else options$caliper,
    exact = if (is.null(options$exact)) I(character(0)) else I(all.vars(options$exact)),
    match_matrix = rows,
    weights = unname(m$weights),
    nn_matched = list(treated = unname(s$nn["Matched", "Treated"]),
                      control = unname(s$nn["Matched", "Control"])),
    smd_after = smd
  )
}

configs <- list(
  run("glm_ratio2", "glm", list(ratio = 2L)),
  run("glm_ratio3_runs_out", "glm", list(ratio = 3L)),
  run("glm_ratio2_caliper_0.1", "glm", list(ratio = 2L, caliper = 0.1, std.caliper = TRUE)),
  run("glm_ratio2_exact_married", "glm", list(ratio = 2L, exact = ~ married)),
  run("glm_replace", "glm", list(replace = TRUE)),
  run("glm_replace_ratio3", "glm", list(replace = TRUE, ratio = 3L)),
  run("glm_replace_ratio2_exact_race_caliper_0.2", "glm",
      list(replace = TRUE, ratio = 2L, exact = ~ race, caliper = 0.2, std.caliper = TRUE)),
  run("mahalanobis", "mahalanobis", list()),
  run("mahalanobis_ratio2", "mahalanobis", list(ratio = 2L)),
  run("mahalanobis_replace_ratio2", "mahalanobis", list(replace = TRUE, ratio = 2L)),
  run("mahalanobis_ratio2_exact_married", "mahalanobis", list(ratio = 2L, exact = ~ married))
)

out <- list(
  source = "MatchIt::lalonde; tools/r/matchit_ratio_reference.R",
  formula = paste(deparse(fml), collapse = ""),
  call = paste("matchit(formula, data = lalonde, method = 'nearest', distance = 2^30 * ps",
               "or 'mahalanobis', ratio, replace, <options>)"),
  rescale = K,
  versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                  MatchIt = as.character(packageVersion("MatchIt")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  n = nrow(d),
  configurations = setNames(configs, vapply(configs, `[[`, "", "name"))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null", null = "null"),
           file.path(out_dir, "matchit_ratio_reference.json"))
