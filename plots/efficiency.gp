# Parallel efficiency (speedup / workers) versus workers, a line per mode.
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
set yrange [0 : 110<*]
set offsets 0, 0, graph 0.08, 0
set format y '%g%%'

# The ideal as in speedup.gp: 100 % of p, and, when the machine gives less
# (a CPU quota, slower CPU kinds), that ideal speedup / workers, solid.
if (idealdiffers) { set label 1 idealnote at graph 0.02, graph 0.04 left front font ',10' tc rgb '#555555' }
plot (x >= 1 && x <= maxw ? 100 : 1/0) with lines lc rgb '#999999' dt 2 lw 1.5 \
         title (idealdiffers ? 'p× (100 %)' : 'ideal (100 %)'), \
     sidealy using (sidealx[$1]):(idealdiffers ? 100 * $2 / sidealx[$1] : 1/0) with lines \
         lc rgb '#555555' dt 1 lw 1.5 title (idealdiffers ? 'ideal (what the machine gives)' : ''), \
     for [i=1:nseries] datafile index (i - 1) using 1:8 with linespoints \
         lc rgb col(i) dt sdash[i] pt ptype(i) ps 1.3 lw 2.2 title stitle[i]
load dir.'finish.gp'
