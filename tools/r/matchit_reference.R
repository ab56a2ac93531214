# R MatchIt reference for survival_stats/matching.py (1:1 nearest-neighbour PS matching).
# Usage (from anywhere): Rscript tools/r/matchit_reference.R [out_dir]
# out_dir defaults to tests/statistics/data of this repository. Writes
#   <out_dir>/lalonde.csv             MatchIt's `lalonde`, 614 rows in data order; `row` = 1-based
#                                     row number, `label` = R row name, `race` a string
#   <out_dir>/matchit_reference.json  four matchit() configurations of
#                                     treat ~ age + educ + race + married + nodegree + re74 + re75
# Versions used: R 4.2.2, MatchIt 4.5.1 (Debian r-cran-matchit), jsonlite 1.8.4.
# Deterministic: m.order = "largest", no random tie breaking.
#
# Per configuration, two matchit() runs with the same options:
#  * "glm":      distance = "glm" as a user would call it. Its `distance` (the PS) is stored.
#    In this MatchIt 4.5.1 build the C++ matcher (nn_matchC_vec) compares distances with the
#    C abs(int), i.e. |ps_t - ps_c| truncated to an integer: every PS distance is 0, so the
#    caliper never excludes a control and the lower-PS neighbour always wins. Stored as
#    `pairs_glm` / `smd_after_glm` to document the defect, not as the target.
#  * "rescaled": distance = 2^30 * ps (the same PS, scaled by a power of two: exact in floating
#    point, and every |distance difference| < 2^30 fits an int). Truncation then costs at most
#    2^-30 (9.3e-10) on the PS scale, the order of units and all ties are unchanged, and the
#    std.caliper width scales exactly. This is MatchIt's documented rule with real distances;
#    `pairs` and `smd_after` come from this run. SMDs are scale-free, so the "distance" SMD of
#    this run is the SMD of the PS.
# Pairs are (treated row, control row), 1-based rows of lalonde, from m$match.matrix.
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
csv <- data.frame(row = seq_len(nrow(d)), label = rownames(d), d, stringsAsFactors = FALSE)
csv$race <- as.character(csv$race)
write.csv(csv, file.path(out_dir, "lalonde.csv"), row.names = FALSE, na = "")

fml <- treat ~ age + educ + race + married + nodegree + re74 + re75
K <- 2^30

smd_table <- function(tab) setNames(as.list(unname(tab[, "Std. Mean Diff."])), rownames(tab))
means_table <- function(tab) {
  lapply(setNames(seq_len(nrow(tab)), rownames(tab)), function(i) list(
    treated = unname(tab[i, "Means Treated"]), control = unname(tab[i, "Means Control"])))
}
pairs_of <- function(m) {
  mm <- m$match.matrix[, 1]
  t_row <- match(names(mm), rownames(d))
  c_row <- match(mm, rownames(d))          # NA: treated unit left unmatched
  ok <- !is.na(c_row)
  list(pairs = lapply(which(ok), function(i) c(t_row[i], c_row[i])),
       unmatched = I(t_row[!ok]))
}
quiet <- function(expr) withCallingHandlers(expr, warning = function(w) {
  if (grepl("Fewer control units", conditionMessage(w))) invokeRestart("muffleWarning")
})

run <- function(name, options) {
  base <- list(formula = fml, data = d, method = "nearest", replace = FALSE, ratio = 1)
  m <- quiet(do.call(matchit, c(base, list(distance = "glm"), options)))
  ps <- unname(m$distance)
  ms <- quiet(do.call(matchit, c(base, list(distance = K * ps), options)))
  s <- summary(m)
  ss <- summary(ms)
  p <- pairs_of(m)
  pr <- pairs_of(ms)
  opts <- options[setdiff(names(options), "exact")]
  list(
    name = name,
    options = if (length(opts)) opts else setNames(list(), character(0)),
    exact = if (is.null(options$exact)) I(character(0)) else I(all.vars(options$exact)),
    m_order = "largest",
    caliper_width = if (is.null(m$caliper)) NULL else unname(m$caliper[names(m$caliper) == ""]),
    caliper_width_rescaled = if (is.null(ms$caliper)) NULL else
      unname(ms$caliper[names(ms$caliper) == ""]) / K,
    coefficients = as.list(coef(m$model)),
    distance = ps,
    pairs = pr$pairs,
    unmatched_treated = pr$unmatched,
    n_pairs = length(pr$pairs),
    nn_matched = list(treated = unname(ss$nn["Matched", "Treated"]),
                      control = unname(ss$nn["Matched", "Control"])),
    smd_before = smd_table(ss$sum.all),
    smd_after = smd_table(ss$sum.matched),
    means_after = means_table(ss$sum.matched),
    pairs_glm = p$pairs,
    unmatched_treated_glm = p$unmatched,
    n_pairs_glm = length(p$pairs),
    smd_before_glm = smd_table(s$sum.all),
    smd_after_glm = smd_table(s$sum.matched)
  )
}

configs <- list(
  run("plain", list()),
  run("caliper_0.1", list(caliper = 0.1, std.caliper = TRUE)),
  run("exact_married", list(exact = ~ married)),
  run("exact_race_caliper_0.2", list(exact = ~ race, caliper = 0.2, std.caliper = TRUE))
)

out <- list(
  source = "MatchIt::lalonde; tools/r/matchit_reference.R",
  formula = paste(deparse(fml), collapse = ""),
  call = paste("matchit(formula, data = lalonde, method = 'nearest', distance = 'glm',",
               "replace = FALSE, ratio = 1, <options>); m.order defaults to 'largest'"),
  rescale = K,
  versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                  MatchIt = as.character(packageVersion("MatchIt")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  n = nrow(d),
  configurations = setNames(configs, vapply(configs, `[[`, "", "name"))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null", null = "null"),
           file.path(out_dir, "matchit_reference.json"))
