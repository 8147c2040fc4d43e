# Shared set-up of parbench's charts, loaded by every script in this directory
# after it has set `varsfile` (ARG1: the NAME.gpvars that `parbench report` or
# `compare` writes) and `outbase` (ARG2).  Opens OUTBASE.svg; the script then
# plots and loads finish.gp, which redraws the same chart as OUTBASE.png.
load varsfile

# Each series' colour, marker and dash come from the gpvars file: parbench takes
# them from the mode's descriptor (or, in a comparison, a colour per input), so
# a new mode brings its own style and no script keeps a table of modes.
col(i) = scolor[i]
ptype(i) = spoint[i]

# Strings come from results files: no enhanced-text markup (_ ^ @ { } stay literal).
# The SVG is shown two to a row in report.html, about 560 px wide: sized for that.
set terminal svg size 640,470 dynamic font 'Sans,14' background rgb 'white' noenhanced
set output outbase.'.svg'

set border 3 lw 1.2
set tics nomirror out
set grid xtics ytics lc rgb '#e3e3e3' lw 1 dt 1
# The legend goes under the chart, never over the data; gnuplot reserves its rows below the x label.
set key outside below center horizontal Left reverse spacing 1.0 samplen 2 width -1 height 0.6 maxrows 4 font ',12'
set title offset 0,-0.3
set datafile missing '-'
set bars small

# Series with more than one point are offset sideways a little (sdodge[i] steps of
# dodgestep: octaves on a log2 worker axis, workers on a linear one), so equal
# values of several modes stay visible instead of the last one covering the rest.
xd(x, i) = xlog ? x * 2**(sdodge[i] * dodgestep) : x + sdodge[i] * dodgestep
# Marker sizes: gnuplot's SVG draws a point about twice as large, relative to the
# chart, as pngcairo does at the sizes used here; scaled by the terminal in use, so a
# chart looks the same whichever terminal draws it (evaluated again by `replot`).
psz(s) = s * (GPVAL_TERM eq 'svg' ? 0.55 : 1.0)
# The ideal and the other reference lines: drawn after the data (on top), thin and dashed.
refcol = '#333333'
