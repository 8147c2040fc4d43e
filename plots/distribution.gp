# Distribution of the timed runs: for every configuration (mode x workers) a
# strip of its runs, each as its deviation from that configuration's median in
# %, grouped by worker count, a slot per mode in its colour and marker.  Shows
# what the medians hide: spread, outliers, two clusters (e.g. two placements).
# usage: gnuplot -c distribution.gp NAME.gpvars OUTBASE
# NAME-runs.dat (from parbench): x  deviation_pct (clipped to the axis)  time_s  colour
#   pointtype  series  clipped  deviation_pct
if (ARGC < 2) { print 'usage: gnuplot -c distribution.gp NAME.gpvars OUTBASE  (writes OUTBASE.svg and OUTBASE.png)'; exit status 2 }
varsfile = ARG1; outbase = ARG2
# common.gp and the other shared pieces live next to this script.
here = ARG0; n = strlen(here); while (n > 0 && here[n:n] ne '/') { n = n - 1 }
dir = n > 0 ? here[1:n] : ''
load dir.'common.gp'

set title sprintf("%s: every timed run\n%s", subject, machine)
set xlabel 'workers (a strip per mode, in the legend''s colours)'
set ylabel 'run time versus its median (%)'
set xrange [-1 : runsxmax + 1]
# runsymin ... runsymax (at most +-runsylim %) holds nearly every run; the few beyond sit
# at the edge, their value beside them.
set yrange [runsymin : runsymax]
set format y '%+g%%'
set grid noxtics ytics
set xtics () scale 0
do for [k = 1:ngroups] { set xtics add (sprintf('%d', gn[k]) gx[k]) }
if (ngroups > 20) { set xtics rotate by 90 right }
# Light lines between worker counts.
do for [k = 1:nsep] {
    set arrow k from first gsep[k], graph 0 to first gsep[k], graph 1 nohead lc rgb '#d0d0d0' lw 1 back
}
# The legend from the series' styles; the strips take theirs from the data (lc rgb variable, pt variable).
plot 0 with lines lc rgb refcol dt 2 lw 1.5 title 'median of each configuration', \
     for [i=1:nseries] NaN with points lc rgb col(i) pt ptype(i) ps psz(1.1) title stitle[i], \
     runsfile using 1:($7 > 0.5 ? NaN : $2):5:4 with points pt variable lc rgb variable ps psz(0.8) notitle, \
     runsfile using 1:($7 > 0.5 ? $2 : NaN):5:4 with points pt variable lc rgb variable ps psz(1.2) notitle, \
     runsfile using 1:($7 > 1.5 && $1 < runsxmax - 4 ? $2 : NaN):(sprintf('%+.0f%%', $8)) \
         with labels left offset 0.8, 0 font ',10' tc rgb '#333333' notitle, \
     runsfile using 1:($7 > 1.5 && $1 >= runsxmax - 4 ? $2 : NaN):(sprintf('%+.0f%%', $8)) \
         with labels right offset -0.8, 0 font ',10' tc rgb '#333333' notitle
load dir.'finish.gp'
