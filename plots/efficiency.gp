# Parallel efficiency (speedup / workers) versus workers, a line per mode with
# the 95% CI of the speedup / workers as error bars; the axis is fitted to the
# data (effmin, effmax from parbench) and the 100 % reference is drawn over it.
# usage: gnuplot -c efficiency.gp NAME.gpvars OUTBASE
if (ARGC < 2) { print 'usage: gnuplot -c efficiency.gp NAME.gpvars OUTBASE  (writes OUTBASE.svg and OUTBASE.png)'; exit status 2 }
varsfile = ARG1; outbase = ARG2
# common.gp and the other shared pieces live next to this script.
here = ARG0; n = strlen(here); while (n > 0 && here[n:n] ne '/') { n = n - 1 }
dir = n > 0 ? here[1:n] : ''
load dir.'common.gp'
load dir.'workerticks.gp'

set title sprintf("%s: parallel efficiency versus workers\n%s", subject, machine)
set ylabel 'efficiency (speedup / workers, %)'
set yrange [effmin : effmax]
set format y '%g%%'
multi(i) = !ssingle[i]

# The ideal as in speedup.gp: 100 % of p, and, when the machine gives less
# (a CPU quota, slower CPU kinds), that ideal speedup / workers, solid.
if (idealdiffers) { set label 1 idealnote at graph 0.02, graph 0.04 left front font ',10' tc rgb '#555555' }
plot NaN with lines lc rgb refcol dt 2 lw 1.5 title (idealdiffers ? 'p× (100 %)' : 'ideal (100 %)'), \
     NaN with lines lc rgb refcol dt 1 lw 1.5 title (idealdiffers ? 'ideal (machine limit)' : ''), \
     for [i=1:nseries] datafile index (i - 1) using (multi(i) ? xd($1, i) : NaN):8:(100 * $6 / $1):(100 * $7 / $1) \
         with yerrorlines lc rgb col(i) dt sdash[i] pt ptype(i) ps psz(1.3) lw 2.2 title (multi(i) ? stitle[i] : ''), \
     for [i=1:nseries] datafile index (i - 1) using (ssingle[i] ? $1 : NaN):8 with points \
         lc rgb col(i) pt ptype(i) ps psz(2.2) title (ssingle[i] ? stitle[i] : ''), \
     (x >= 1 && x <= maxw ? 100 : 1/0) with lines lc rgb refcol dt 2 lw 1.5 notitle, \
     sidealy using (sidealx[$1]):(idealdiffers ? 100 * $2 / sidealx[$1] : 1/0) with lines \
         lc rgb refcol dt 1 lw 1.5 notitle
load dir.'finish.gp'
