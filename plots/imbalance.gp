# Load imbalance (busiest worker's busy time / mean busy time) versus workers:
# 1 is a perfectly even split of the work.
# usage: gnuplot -c imbalance.gp NAME.gpvars OUTBASE
if (ARGC < 2) { print 'usage: gnuplot -c imbalance.gp NAME.gpvars OUTBASE  (writes OUTBASE.svg and OUTBASE.png)'; exit status 2 }
varsfile = ARG1; outbase = ARG2
# common.gp and the other shared pieces live next to this script.
here = ARG0; n = strlen(here); while (n > 0 && here[n:n] ne '/') { n = n - 1 }
dir = n > 0 ? here[1:n] : ''
load dir.'common.gp'
load dir.'workerticks.gp'

set title sprintf("%s: load imbalance versus workers\n%s", subject, machine)
set ylabel 'imbalance (max / mean worker busy time, 1 = even)'
set yrange [0.98 : 1.1<*]
set offsets 0, 0, graph 0.1, 0

plot (x >= 1 && x <= maxw ? 1 : 1/0) with lines lc rgb '#999999' dt 2 lw 1.5 title 'perfect balance (1.0)', \
     for [i=1:nseries] datafile index (i - 1) using 1:10 with linespoints \
         lc rgb col(i) dt sdash[i] pt ptype(i) ps 1.3 lw 2.2 title stitle[i]
load dir.'finish.gp'
