# Reference values for survival_stats' own Cox fit (survival_stats/coxph_fit.py).
# Usage: Rscript tools/r/cox_reference.R tests/statistics/data
# Writes cox_data.csv (the exact rows) and cox_reference.json. R 4.2, survival 3.5-3.
suppressPackageStartupMessages({library(survival); library(jsonlite)})
out <- commandArgs(TRUE)[1]
set.seed(17)

lung2 <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "inst", "wt.loss")])
lung2$w <- (seq_len(nrow(lung2)) %% 3) + 0.5
vet <- veteran
pbc2 <- na.omit(pbc[1:312, c("time", "status", "age", "edema", "bili", "albumin", "protime", "trt")])
col <- na.omit(colon[colon$etype == 2, c("time", "status", "rx", "sex", "age", "nodes", "extent", "id")])
ov <- ovarian
n <- 600
heavy <- data.frame(time = sample(1:12, n, TRUE), status = rbinom(n, 1, 0.7),
                    x1 = rnorm(n), x2 = rbinom(n, 1, 0.4), g = sample(letters[1:3], n, TRUE),
                    s = sample(1:3, n, TRUE), cl = sample(1:40, n, TRUE),
                    w = round(runif(n, 0.2, 3), 3))

datasets <- list(lung = lung2, veteran = vet, pbc = pbc2, colon = col, ovarian = ov,
                 heavy = heavy)
for (nm in names(datasets)) {
  write.csv(datasets[[nm]], file.path(out, paste0("cox_", nm, ".csv")), row.names = FALSE)
}

models <- list(
  list(name = "lung_efron", data = "lung", formula = "Surv(time, status == 2) ~ age + sex + ph.ecog"),
  list(name = "lung_breslow", data = "lung", formula = "Surv(time, status == 2) ~ age + sex + ph.ecog", ties = "breslow"),
  list(name = "lung_strata_w_cluster", data = "lung", formula = "Surv(time, status == 2) ~ age + sex + ph.ecog + wt.loss + strata(inst)", weights = TRUE, cluster = "inst"),
  list(name = "veteran_factor", data = "veteran", formula = "Surv(time, status) ~ trt + factor(celltype) + karno + age"),
  list(name = "veteran_breslow_strata", data = "veteran", formula = "Surv(time, status) ~ trt + karno + strata(prior)", ties = "breslow"),
  list(name = "pbc", data = "pbc", formula = "Surv(time, status == 2) ~ age + edema + log(bili) + log(albumin) + log(protime)"),
  list(name = "colon_cluster", data = "colon", formula = "Surv(time, status) ~ factor(rx) + sex + age + nodes + extent", cluster = "id"),
  list(name = "ovarian", data = "ovarian", formula = "Surv(futime, fustat) ~ age + factor(rx) + ecog.ps"),
  list(name = "heavy_efron_w_cluster", data = "heavy", formula = "Surv(time, status) ~ x1 + x2 + factor(g)", weights = TRUE, cluster = "cl"),
  list(name = "heavy_breslow_strata_w", data = "heavy", formula = "Surv(time, status) ~ x1 + x2 + factor(g) + strata(s)", weights = TRUE, ties = "breslow"),
  list(name = "heavy_efron_strata_robust", data = "heavy", formula = "Surv(time, status) ~ x1 + x2 + strata(s)", robust = TRUE)
)

chisq_test <- function(stat, df) c(stat, df, pchisq(stat, df, lower.tail = FALSE))
res <- list()
for (m in models) {
  d <- datasets[[m$data]]
  ties <- if (is.null(m$ties)) "efron" else m$ties
  args <- list(formula = as.formula(m$formula), data = d, ties = ties)
  if (isTRUE(m$weights)) args$weights <- d$w
  if (!is.null(m$cluster)) args$cluster <- d[[m$cluster]]
  if (isTRUE(m$robust)) args$robust <- TRUE
  fit <- do.call(coxph, args)
  s <- summary(fit)
  terms_out <- list()
  zph <- lapply(c("km", "identity", "rank"), function(tr) {
    z <- cox.zph(fit, transform = tr)
    list(transform = tr, term = rownames(z$table), chisq = unname(z$table[, "chisq"]),
         df = unname(z$table[, "df"]), p = unname(z$table[, "p"]))
  })
  dr <- drop1(fit, test = "Chisq")
  dr <- dr[!grepl("^strata\\(", rownames(dr)), ]
  # per-variable score test: full model at (reduced MLE, 0), iter.max = 0
  tl <- attr(terms(fit), "term.labels")
  tl <- tl[!grepl("^strata\\(", tl)]
  score_var <- sapply(tl, function(v) {
    red <- update(fit, as.formula(paste(". ~ . -", v)))
    init <- setNames(rep(0, length(coef(fit))), names(coef(fit)))
    if (length(coef(red))) init[names(coef(red))] <- coef(red)
    f0 <- update(fit, init = init, control = coxph.control(iter.max = 0))
    f0$score
  })
  res[[m$name]] <- list(
    data = m$data, formula = m$formula, ties = ties, weights = isTRUE(m$weights),
    cluster = if (is.null(m$cluster)) NULL else m$cluster, robust = !is.null(fit$naive.var),
    term = names(coef(fit)), coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
    naive_se = unname(sqrt(diag(if (is.null(fit$naive.var)) vcov(fit) else fit$naive.var))),
    p = unname(s$coefficients[, ncol(s$coefficients)]),
    loglik = fit$loglik, n = fit$n, nevent = fit$nevent, iter = fit$iter,
    # summary.coxph rounds wald and score statistics to 2 digits: take the fit's own values
    logtest = chisq_test(2 * diff(fit$loglik), length(coef(fit))),
    waldtest = chisq_test(fit$wald.test, length(coef(fit))),
    sctest = chisq_test(fit$score, length(coef(fit))),
    robscore = if (is.null(fit$rscore)) NULL else chisq_test(fit$rscore, length(coef(fit))),
    concordance = unname(fit$concordance[c("concordant", "discordant", "tied.x", "tied.y", "concordance")]),
    zph = zph,
    drop1 = list(term = rownames(dr)[-1], df = unname(dr$Df[-1]), lrt = unname(dr$LRT[-1]),
                 p = unname(dr[["Pr(>Chi)"]][-1])),
    score_var = list(term = tl, stat = unname(score_var))
  )
}
writeLines(toJSON(list(r_version = R.version.string, survival = as.character(packageVersion("survival")),
                       models = res), digits = NA, auto_unbox = TRUE, null = "null", na = "null"),
           file.path(out, "cox_reference.json"))
