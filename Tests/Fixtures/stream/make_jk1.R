# Regenerates apiclus1_jk1.csv and apiclus1_jk1_svyglm.json (run from this folder:
# Rscript make_jk1.R). R 4 with survey 4.1-1.
# apiclus1 (datasets/apiclus1.csv) with its JK1 replicate analysis weights (one PSU, dnum, left
# out per replicate) as columns rw1..rw15, and svyglm's fit of a logit on the replicate design.
suppressPackageStartupMessages(library(survey))
api <- read.csv("../../../datasets/apiclus1.csv", na.strings = c("", "NA", ".", "NaN", "nan", "NAN"),
                stringsAsFactors = TRUE)
d <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = api)
r <- as.svrepdesign(d, type = "JK1", compress = FALSE)
rw <- unclass(weights(r, "analysis")); rw <- matrix(as.numeric(rw), nrow = nrow(api))
colnames(rw) <- paste0("rw", seq_len(ncol(rw)))
out <- cbind(api, as.data.frame(rw))
write.csv(out, "apiclus1_jk1.csv", row.names = FALSE, na = "")
f <- svyglm(sch.wide ~ ell + meals + mobility, design = r, family = quasibinomial())
s <- summary(f)$coefficients
fmt <- function(x) formatC(x, digits = 17, format = "g")
cat("{\n  \"r_call\": \"svyglm(sch.wide ~ ell + meals + mobility, as.svrepdesign(svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1), type='JK1', compress=FALSE), family=quasibinomial())\",\n",
    "  \"survey\": \"", as.character(packageVersion("survey")), "\",\n",
    "  \"scale\": ", fmt(r$scale), ",\n",
    "  \"terms\": [", paste0("\"", rownames(s), "\"", collapse = ", "), "],\n",
    "  \"estimate\": [", paste(fmt(s[, 1]), collapse = ", "), "],\n",
    "  \"std_error\": [", paste(fmt(s[, 2]), collapse = ", "), "],\n",
    "  \"df\": ", f$df.residual, "\n}\n", sep = "", file = "apiclus1_jk1_svyglm.json")
