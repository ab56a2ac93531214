# Reference for Fine-Gray with censoring groups: cmprsk::crr(..., cengroup = g) on mgus2.
# crr then estimates the censoring distribution (the IPCW Kaplan-Meier) separately in each
# group. Usage: Rscript tools/r/fine_gray_cengroup_reference.R [out_dir]
# Reads <out_dir>/mgus2_fine_gray.csv (written by tools/r/fine_gray_predict_reference.R:
# survival::mgus2, time = ifelse(pstat == 0, futime, ptime), status 0 censored / 1 PCM /
# 2 death, sexM, age) and writes <out_dir>/fine_gray_cengroup_reference.json.
# Versions: R 4.2.2, survival 3.5-3, cmprsk 2.2-11, jsonlite 1.8.4. Deterministic.
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) {
  out <- args[1]
} else {
  file_arg <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  out <- file.path(dirname(normalizePath(file_arg)), "..", "..", "tests", "statistics", "data")
}
d <- read.csv(file.path(out, "mgus2_fine_gray.csv"))
# groups: sex (2); age band (3, as a string, sorted by crr); age >= 85 (a small group whose
# follow-up ends long before the others': crr's G is 0 past a group's last time)
d$age_band <- ifelse(d$age < 60, "a<60", ifelse(d$age < 75, "b60-74", "c75+"))
d$age85 <- as.integer(d$age >= 85)
fits <- list()
for (grp in c("sexM", "age_band", "age85")) {
  for (cause in 1:2) {
    fit <- crr(d$time, d$status, cbind(d$sexM, d$age), cengroup = d[[grp]],
               failcode = cause)
    fits[[length(fits) + 1]] <- list(
      cengroup = grp, failcode = cause, coef = unname(fit$coef), var = unname(fit$var),
      loglik = fit$loglik, loglik_null = fit$loglik.null, converged = fit$converged,
      bfitj = fit$bfitj, uftime = fit$uftime,
      group_max_time = lapply(split(d$time, d[[grp]]), max))
  }
}
# cencode other than 0 together with cengroup: recode censored as 9
d9 <- d
d9$status[d9$status == 0] <- 9
fit <- crr(d9$time, d9$status, cbind(d9$sexM, d9$age), cengroup = d9$age_band,
           failcode = 2, cencode = 9)
fits[[length(fits) + 1]] <- list(
  cengroup = "age_band", failcode = 2, cencode = 9, coef = unname(fit$coef),
  var = unname(fit$var), loglik = fit$loglik, loglik_null = fit$loglik.null,
  converged = fit$converged, bfitj = fit$bfitj, uftime = fit$uftime)
writeLines(toJSON(list(cmprsk = as.character(packageVersion("cmprsk")),
                       call = "crr(time, status, cbind(sexM, age), cengroup = d[[g]], failcode)",
                       fits = fits), digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out, "fine_gray_cengroup_reference.json"))
