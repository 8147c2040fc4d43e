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
# From just under 1 to a little over the worst (at least 1.05), from parbench.
set yrange [imbmin : imbmax]
multi(i) = !ssingle[i]

plot NaN with lines lc rgb refcol dt 2 lw 1.5 title 'perfect balance (1.0)', \
     for [i=1:nseries] datafile index (i - 1) using (multi(i) ? xd($1, i) : NaN):10 with linespoints \
         lc rgb col(i) dt sdash[i] pt ptype(i) ps psz(1.3) lw 2.2 title (multi(i) ? stitle[i] : ''), \
     for [i=1:nseries] datafile index (i - 1) using (ssingle[i] ? $1 : NaN):10 with points \
         lc rgb col(i) pt ptype(i) ps psz(2.2) title (ssingle[i] ? stitle[i] : ''), \
     (x >= 1 && x <= maxw ? 1 : 1/0) with lines lc rgb refcol dt 2 lw 1.5 notitle
load dir.'finish.gp'
