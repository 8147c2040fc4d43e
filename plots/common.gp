# Shared set-up of parbench's charts, loaded by every script in this directory
# after it has set `varsfile` (ARG1: the NAME.gpvars that `parbench report` or
# `compare` writes) and `outbase` (ARG2).  Opens OUTBASE.svg; the script then
# plots and loads finish.gp, which redraws the same chart as OUTBASE.png.
load varsfile

# One colour per mode (or per input in a comparison), colour-blind friendly
# (Okabe-Ito), and a marker shape per style index so print-outs stay readable.
array pal[8] = ['#555555', '#0072B2', '#009E73', '#E69F00', '#D55E00', '#CC79A7', '#56B4E9', '#8C6D1F']
array ptypes[8] = [7, 5, 9, 13, 11, 15, 4, 6]
col(i) = pal[(scolor[i] - 1) % 8 + 1]
ptype(i) = ptypes[(spoint[i] - 1) % 8 + 1]

# Strings come from results files: no enhanced-text markup (_ ^ @ { } stay literal).
# The SVG is shown two to a row in report.html, about 560 px wide: sized for that.
set terminal svg size 640,470 dynamic font 'Sans,14' background rgb 'white' noenhanced
set output outbase.'.svg'

set border 3 lw 1.2
set tics nomirror out
set grid xtics ytics lc rgb '#e3e3e3' lw 1 dt 1
set key outside below center horizontal Left reverse spacing 1.1 samplen 2.5 maxrows 3 font ',12'
set title offset 0,-0.3
set datafile missing '-'
set bars small
