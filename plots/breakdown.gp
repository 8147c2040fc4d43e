# Where the time went: each configuration's gap to the ideal T1/p as a stacked
# bar of named parts (results/README.md, "breakdown"); a negative residual
# (parts that overlapped) hangs below zero; the diamond is the measured gap.
# usage: gnuplot -c breakdown.gp NAME.gpvars OUTBASE
if (ARGC < 2) { print 'usage: gnuplot -c breakdown.gp NAME.gpvars OUTBASE  (writes OUTBASE.svg and OUTBASE.png)'; exit status 2 }
varsfile = ARG1; outbase = ARG2
here = ARG0; n = strlen(here); while (n > 0 && here[n:n] ne '/') { n = n - 1 }
dir = n > 0 ? here[1:n] : ''
load dir.'common.gp'

set title sprintf("%s: where the time went\n%s", subject, machine)
set ylabel sprintf('gap to T1/p (%s)', tunit)
set xrange [-0.6 : nbars - 0.4]
# Only the configurations' names on the x axis: an empty list, then one label per bar.
set xtics () rotate by -30 left font ',11'
set for [i=1:nbars] xtics add (blabel[i] i - 1)
set grid noxtics ytics
set offsets 0, 0, graph 0.05, graph 0.05
set style fill solid 0.9 border rgb '#ffffff'

plot 0 with lines lc rgb '#999999' dt 2 lw 1 notitle, \
     for [p=1:nparts] datafile index (p - 1) using 1:(($2 + $3) / 2):(0.35):(($3 - $2) / 2) \
         with boxxyerror lc rgb pcolor[p] title pname[p], \
     datafile index nparts using 1:2 with points pt 13 ps 1.6 lc rgb '#000000' title 'measured gap'
load dir.'finish.gp'
