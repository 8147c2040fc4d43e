# parbench compare: each input's median time over the baseline's, per mode and
# worker count, with the ratio's 95% CI as error bars, a reference line at 1
# and each input's geometric mean for the kernel.  A mode keeps its colour and
# marker from the report, an input its dash pattern (solid, dashed, dotted...).
# usage: gnuplot -c compare-ratio.gp NAME-ratio.gpvars OUTBASE  (writes OUTBASE.svg and OUTBASE.png)
# Self-contained (not common.gp): the comparison's variables are its own.
if (ARGC < 2) { print 'usage: gnuplot -c compare-ratio.gp NAME-ratio.gpvars OUTBASE'; exit status 2 }
varsfile = ARG1; outbase = ARG2
load varsfile

# Strings come from results files: no enhanced-text markup.
set terminal svg size 640,500 dynamic font 'Sans,14' background rgb 'white' noenhanced
set output outbase.'.svg'
set border 3 lw 1.2
set tics nomirror out
set grid xtics ytics lc rgb '#e3e3e3' lw 1 dt 1
set key outside below center horizontal Left reverse spacing 1.1 samplen 3 maxrows 5 font ',11'
set datafile missing '-'
# The CIs' extent, before any range is set (stats honours the ranges).
# (A kernel no other input ran has no ratio at all: then the axis is 0.5 to 2.)
ylo = 1; yhi = 1
stats datafile using 4 nooutput
if (exists("STATS_min") && STATS_min == STATS_min) { ylo = STATS_min < 1 ? STATS_min : 1 }
undefine STATS_*
stats datafile using 5 nooutput
if (exists("STATS_max") && STATS_max == STATS_max) { yhi = STATS_max > 1 ? STATS_max : 1 }
if (ylo == 1 && yhi == 1) { ylo = 0.5; yhi = 2 }
set bars small

set title sprintf("%s: median time over %s's\n(below 1: faster; bars: 95%% CI)", subject, baseline) offset 0,-0.3
set ylabel sprintf("time ratio to %s", baseline)
set xlabel 'workers (threads or processes)'
pad = maxw * 0.06 > 0.3 ? maxw * 0.06 : 0.3
set xrange [1 - pad : maxw + pad]
if (nworkers <= 16) {
    set xtics ()
    do for [k = 1:nworkers] { set xtics add (sprintf('%d', wlist[k]) wlist[k]) }
} else {
    set xtics autofreq
    set format x '%.0f'
}
# Ratios are symmetric on a log axis (0.5 is as far from 1 as 2); the range
# always shows the line at 1.
set logscale y
set yrange [ylo / 1.1 : yhi * 1.1]
set ytics ()
# Fine ticks near 1 when the ratios stay close to it, coarse ones otherwise.
fine = '0.5 0.67 0.8 0.9 0.95 1 1.05 1.1 1.25 1.5 2'
coarse = '0.01 0.02 0.05 0.1 0.2 0.3 0.5 0.7 1 1.5 2 3 5 10 20 50 100'
do for [t in (yhi / ylo > 2.5 ? coarse : fine)] {
    set ytics add (t real(t))
}
# Series side by side at each worker count, so their error bars stay apart.
step = pad * 0.8 / (nseries > 1 ? nseries : 1)
xat(w, i) = w + (i - (nseries + 1) / 2.0) * step

plot 1 with lines lc rgb '#333333' dt 1 lw 1.2 title 'no difference (1)', \
     for [j=1:ngm] gmean[j] with lines lc rgb '#888888' dt gdash[j] lw 1.5 title gtitle[j], \
     for [i=1:nseries] datafile index (i - 1) using (xat($2, i)):3:4:5 with yerrorlines \
         lc rgb scolor[i] dt sdash[i] pt spoint[i] ps 1.2 lw 2 title stitle[i]

# The same chart as a PNG next to the SVG.
set output
set terminal pngcairo size 1100,760 font 'Sans,15' background rgb 'white' noenhanced
set output outbase.'.png'
replot
set output
