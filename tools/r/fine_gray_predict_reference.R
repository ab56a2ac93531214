# Reference for Fine-Gray predicted CIF curves: cmprsk::predict.crr on mgus2.
# Usage: Rscript tools/r/fine_gray_predict_reference.R tests/statistics/data
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})
out <- commandArgs(TRUE)[1]
m <- mgus2
etime <- ifelse(m$pstat == 0, m$futime, m$ptime)
event <- ifelse(m$pstat == 0, 2 * m$death, 1)
d <- data.frame(time = etime, status = event, sexM = as.numeric(m$sex == "M"), age = m$age)
write.csv(d, file.path(out, "mgus2_fine_gray.csv"), row.names = FALSE)
profiles <- rbind(c(1, 60), c(0, 70), c(1, 85))
res <- list()
for (cause in 1:2) {
  fit <- crr(d$time, d$status, cbind(d$sexM, d$age), failcode = cause)
  p <- predict(fit, profiles)
  res[[paste0("cause", cause)]] <- list(coef = unname(fit$coef), uftime = p[, 1],
                                        cif = unname(p[, -1]), bfitj = fit$bfitj)
}
writeLines(toJSON(list(cmprsk = as.character(packageVersion("cmprsk")), profiles = profiles,
                       fits = res), digits = NA, auto_unbox = TRUE),
           file.path(out, "fine_gray_predict_reference.json"))
