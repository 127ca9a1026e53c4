#!/usr/bin/env bash
# Renders what a reader of Strata's reports sees, as PNG, for a person to look at:
#   the flagship report (out/participation.html) in headless Chromium at 1280 px (tiles of the whole
#   page) and printed to PDF; the three-model table as DOCX and RTF (LibreOffice -> PDF) and as LaTeX
#   (xelatex); every plot of the flagship run (rsvg-convert).
# Usage: scripts/render-check.sh [OUT_DIR]      (default /tmp/strata-renders)
#   STRATA=path/to/strata   the binary to use (default: the release build, then the debug build)
#   SKIP_RUN=1              use the existing out/participation.* instead of running the notebook
# Needs: chromium, libreoffice, xelatex, rsvg-convert, pdftoppm
# (Debian: chromium libreoffice-writer texlive-xetex rsvg-convert poppler-utils;
#  scripts/setup-tex.sh installs the TeX part). Writes only inside OUT_DIR and out/.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-/tmp/strata-renders}
mkdir -p "$dest"
for tool in chromium libreoffice xelatex rsvg-convert pdftoppm; do
  command -v "$tool" > /dev/null || { echo "render-check: $tool is missing" >&2; exit 1; }
done
strata=${STRATA:-}
if [ -z "$strata" ]; then
  for candidate in .build/release/strata .build/debug/strata; do
    if [ -x "$candidate" ]; then strata=$candidate; break; fi
  done
fi
[ -n "$strata" ] || { echo "render-check: build strata first (swift build)" >&2; exit 1; }

# 1. The flagship report.
if [ -z "${SKIP_RUN:-}" ]; then
  "$strata" notebook run notebooks-cli/participation.md --out out > /dev/null
fi
page=$(pwd)/out/participation.html
# The page at 1280 px, as screen-sized tiles: a wrapper page shows the report in a 1280-px frame
# shifted up by the tile's offset (one long screenshot would exceed ImageMagick's size limits).
frame() {  # frame OFFSET HEIGHT SCRIPT
  printf '<html><body style="margin:0;overflow:hidden"><iframe id="f" src="file://%s" style="position:absolute;top:-%dpx;left:0;width:1280px;height:%dpx;border:0"></iframe>%s</body></html>\n' \
    "$page" "$1" "$2" "$3"
}
frame 0 1000 "<script>document.getElementById('f').onload=function(){document.title='H'+this.contentDocument.documentElement.scrollHeight;}</script>" \
  > "$dest/measure.html"
height=$(timeout 120 chromium --headless --no-sandbox --disable-gpu --allow-file-access-from-files \
  --virtual-time-budget=5000 --dump-dom "file://$dest/measure.html" 2> /dev/null | sed -n 's/.*<title>H\([0-9]*\).*/\1/p')
height=${height:-20000}
rm -f "$dest"/report-1280-tile-*.png "$dest/measure.html"
tile=0
for ((offset = 0; offset < height; offset += 1600)); do
  frame "$offset" "$height" "" > "$dest/tile.html"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --allow-file-access-from-files \
    --window-size=1280,1600 --screenshot="$dest/report-1280-tile-$(printf %02d $tile).png" "file://$dest/tile.html" 2> /dev/null
  tile=$((tile + 1))
done
rm -f "$dest/tile.html"
echo "report: $height px high at 1280 px, $tile tiles"
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
  --print-to-pdf="$dest/report.pdf" "file://$page" 2> /dev/null
rm -f "$dest"/report-pdf-*.png
pdftoppm -png -r 60 "$dest/report.pdf" "$dest/report-pdf"

# 2. The three-model table as Word, RTF and LaTeX.
files=out/participation_files
"$strata" table "$files/probit.json" "$files/logit.json" "$files/lpm.json" --names Probit,Logit,LPM \
  --stars 0.05,0.01,0.001 --format docx --output "$dest/table.docx"
"$strata" table "$files/probit.json" "$files/logit.json" "$files/lpm.json" --names Probit,Logit,LPM \
  --stars 0.05,0.01,0.001 --format rtf --output "$dest/table.rtf"
"$strata" table "$files/probit.json" "$files/logit.json" "$files/lpm.json" --names Probit,Logit,LPM \
  --stars 0.05,0.01,0.001 --format latex --longtable --output "$dest/table.tex"
(cd "$dest" && libreoffice --headless --convert-to pdf table.docx > /dev/null 2>&1 \
  && mv table.pdf table-docx.pdf && libreoffice --headless --convert-to pdf table.rtf > /dev/null 2>&1 \
  && mv table.pdf table-rtf.pdf)
rm -f "$dest"/table-docx-*.png "$dest"/table-rtf-*.png "$dest"/table-latex-*.png
pdftoppm -png -r 72 "$dest/table-docx.pdf" "$dest/table-docx"
pdftoppm -png -r 72 "$dest/table-rtf.pdf" "$dest/table-rtf"
# Two runs: a longtable settles its column widths in the second.
(cd "$dest" && for run in 1 2; do xelatex -interaction=nonstopmode -halt-on-error table.tex > table-xelatex.log 2>&1 || exit 1; done) || {
  echo "render-check: xelatex failed, see $dest/table-xelatex.log" >&2; exit 1; }
if grep -q 'Overfull \\hbox' "$dest/table.log"; then echo "render-check: LaTeX table has an overfull box" >&2; fi
pdftoppm -png -r 72 "$dest/table.pdf" "$dest/table-latex"

# 3. Every plot of the flagship run.
rm -f "$dest"/plot-*.png
for svg in "$files"/plot-*.svg; do
  rsvg-convert --background-color=white "$svg" -o "$dest/$(basename "${svg%.svg}").png"
done

ls "$dest"/*.png | sed 's/^/  /'
echo "render-check: renders in $dest"
