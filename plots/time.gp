# Median wall time of each mode at each worker count, as grouped bars with the
# 95% CI of the median as error bars (log scale when times span more than 30x).
# usage: gnuplot -c time.gp NAME.gpvars OUTBASE
if (ARGC < 2) { print 'usage: gnuplot -c time.gp NAME.gpvars OUTBASE  (writes OUTBASE.svg and OUTBASE.png)'; exit status 2 }
varsfile = ARG1; outbase = ARG2
# common.gp and the other shared pieces live next to this script.
here = ARG0; n = strlen(here); while (n > 0 && here[n:n] ne '/') { n = n - 1 }
dir = n > 0 ? here[1:n] : ''
load dir.'common.gp'

set title sprintf("%s: median time per run\n%s", subject, machine)
set xlabel 'workers (threads or processes)'
set ylabel sprintf('median wall time per run (%s%s, lower is better)', tunit, tlog ? ', log scale' : '')
set style data histograms
set style histogram errorbars gap 1.5 lw 1.2
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.9
set grid noxtics ytics
if (tlog) {
    set logscale y
    set format y '%g'
} else {
    set yrange [0:*]
    set offsets 0, 0, graph 0.06, 0
}

plot for [i=1:nseries] barsfile using (column(3*i - 1) * tscale):(column(3*i) * tscale):(column(3*i + 1) * tscale):xtic(1) \
         lc rgb col(i) title stitle[i]
load dir.'finish.gp'
