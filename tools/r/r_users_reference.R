# Reference values for what R users reach for: survdiff(rho =), survfit conf.type "logit" /
# "arcsin", quantile.survfit, print(survfit, rmean =), cuminc(cencode =).
# Usage: Rscript tools/r/r_users_reference.R tests/statistics/data
# Reads cox_veteran.csv and cox_lung.csv (written by cox_reference.R); mgus2 from survival.
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})
out <- commandArgs(TRUE)[1]
vet <- read.csv(file.path(out, "cox_veteran.csv"))
lung2 <- read.csv(file.path(out, "cox_lung.csv"))
lung2$event <- as.integer(lung2$status == 2)

res <- list()
# 1. survdiff with rho (Fleming-Harrington), with and without strata
sd <- list()
for (rho in c(0, 0.5, 1, 2)) {
  for (st in c(FALSE, TRUE)) {
    f <- if (st) Surv(time, status) ~ celltype + strata(prior) else Surv(time, status) ~ celltype
    s <- survdiff(f, data = vet, rho = rho)
    sd[[length(sd) + 1]] <- list(rho = rho, strata = st, chisq = s$chisq, obs = as.vector(s$obs),
                                 exp = as.vector(s$exp), var = as.vector(s$var),
                                 p = pchisq(s$chisq, length(s$n) - 1, lower.tail = FALSE))
  }
}
res$survdiff <- sd

# 2./3./4. survfit CIs, quantiles and RMST
probs <- c(0.1, 0.25, 0.5, 0.75, 0.9)
km <- list()
for (ct in c("log", "log-log", "plain", "logit", "arcsin")) {
  fit <- survfit(Surv(time, event) ~ sex, data = lung2, conf.type = ct)
  q <- quantile(fit, probs = probs)
  tab <- summary(fit, rmean = 365)$table
  tab2 <- summary(fit, rmean = 700)$table
  strata <- rep(names(fit$strata), fit$strata)
  km[[ct]] <- list(conf_type = ct, group = sub("sex=", "", strata), time = fit$time,
                   surv = fit$surv, lower = fit$lower, upper = fit$upper,
                   quantile = unname(q$quantile), q_lower = unname(q$lower),
                   q_upper = unname(q$upper), probs = probs,
                   rmean_365 = unname(tab[, "rmean"]), se_rmean_365 = unname(tab[, "se(rmean)"]),
                   rmean_700 = unname(tab2[, "rmean"]), se_rmean_700 = unname(tab2[, "se(rmean)"]))
}
res$km <- km

# 5. cuminc with cencode: mgus2 recoded so that 9 is censoring and 0, 1 are causes
m <- mgus2
etime <- ifelse(m$pstat == 0, m$futime, m$ptime)
event <- ifelse(m$pstat == 0, 2 * m$death, 1)
recoded <- c(9, 0, 1)[event + 1]     # 0 censored -> 9, 1 PCM -> 0, 2 death -> 1
d <- data.frame(time = etime, status = recoded, sex = m$sex)
write.csv(d, file.path(out, "mgus2_cencode.csv"), row.names = FALSE)
ci <- cuminc(d$time, d$status, d$sex, cencode = 9)
tp <- timepoints(ci, c(60, 120, 240))
res$cuminc_cencode <- list(
  curves = names(ci)[names(ci) != "Tests"], est = unname(tp$est), var = unname(tp$var),
  times = c(60, 120, 240), tests_stat = unname(ci$Tests[, "stat"]),
  tests_p = unname(ci$Tests[, "pv"]), tests_cause = rownames(ci$Tests))

writeLines(toJSON(c(list(r_version = R.version.string,
                         survival = as.character(packageVersion("survival")),
                         cmprsk = as.character(packageVersion("cmprsk"))), res),
                  digits = NA, auto_unbox = TRUE, null = "null", na = "null"),
           file.path(out, "r_users_reference.json"))
