# Reference values of cmprsk::cuminc for three groups, two causes, heavy ties and strata.
# The R data sets in ../shared/reference have two groups only; this adds the K = 3 case of
# Gray's test (a 2 x 2 variance), rho != 0 and strata. Run from the repository root:
#   Rscript tools/r/cuminc_three_groups_reference.R
# Writes tests/statistics/data/cuminc_three_groups.csv and cuminc_three_groups.json.
suppressPackageStartupMessages({library(cmprsk); library(jsonlite)})
set.seed(20261125)
n <- 1500
group <- sample(c("a", "b", "c"), n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
stratum <- sample(c("s1", "s2"), n, replace = TRUE)
rate <- c(a = 1, b = 1.4, c = 0.7)[group]
t_event <- rexp(n, rate / 10)
t_cens <- runif(n, 0, 30)
cause <- ifelse(runif(n) < c(a = 0.4, b = 0.6, c = 0.3)[group], 1, 2)
time <- round(pmin(t_event, t_cens), 1)          # one decimal: many tied times
status <- ifelse(t_event <= t_cens, cause, 0)
d <- data.frame(time = time, status = status, group = group, stratum = stratum)
write.csv(d, "tests/statistics/data/cuminc_three_groups.csv", row.names = FALSE)

curves <- function(fit) {
  out <- list()
  for (name in setdiff(names(fit), "Tests")) {
    parts <- strsplit(name, " ")[[1]]
    out[[length(out) + 1]] <- list(group = parts[1], cause = as.integer(parts[2]),
                                   time = fit[[name]]$time, est = fit[[name]]$est,
                                   var = fit[[name]]$var)
  }
  out
}
tests <- function(fit) {
  lapply(seq_len(nrow(fit$Tests)), function(i) list(
    cause = as.integer(rownames(fit$Tests)[i]), statistic = fit$Tests[i, "stat"],
    p = fit$Tests[i, "pv"], df = fit$Tests[i, "df"]))
}
plain <- cuminc(d$time, d$status, d$group)
stratified <- cuminc(d$time, d$status, d$group, strata = d$stratum)
rho1 <- cuminc(d$time, d$status, d$group, rho = 1)
ref <- list(
  cmprsk_version = as.character(packageVersion("cmprsk")),
  curves = curves(plain),
  tests = tests(plain),
  tests_strata = tests(stratified),
  tests_rho1 = tests(rho1)
)
write_json(ref, "tests/statistics/data/cuminc_three_groups.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
