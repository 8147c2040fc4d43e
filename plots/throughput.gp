# Throughput in the kernel's own unit per second versus workers, a line per mode.
# usage: gnuplot -c throughput.gp NAME.gpvars OUTBASE
if (ARGC < 2) { print 'usage: gnuplot -c throughput.gp NAME.gpvars OUTBASE  (writes OUTBASE.svg and OUTBASE.png)'; exit status 2 }
varsfile = ARG1; outbase = ARG2
# common.gp and the other shared pieces live next to this script.
here = ARG0; n = strlen(here); while (n > 0 && here[n:n] ne '/') { n = n - 1 }
dir = n > 0 ? here[1:n] : ''
load dir.'common.gp'
load dir.'workerticks.gp'

set title sprintf("%s: throughput versus workers\n%s", subject, machine)
if (xlog) {
    # Log-log as the speedup chart: 1 ... 8 workers as readable as 64 ... 128.
    set ylabel sprintf('throughput (%s%s per second, log scale)', thrwords, unit)
    set logscale y 2
    set format y '%g'
} else {
    set ylabel sprintf('throughput (%s%s per second, higher is better)', thrwords, unit)
    set yrange [0:*]
    set offsets 0, 0, graph 0.06, 0
}

multi(i) = !ssingle[i]

plot for [i=1:nseries] datafile index (i - 1) using (multi(i) ? xd($1, i) : NaN):($9 / thrscale) \
         with linespoints lc rgb col(i) dt sdash[i] pt ptype(i) ps psz(1.3) lw 2.2 title (multi(i) ? stitle[i] : ''), \
     for [i=1:nseries] datafile index (i - 1) using (ssingle[i] ? $1 : NaN):($9 / thrscale) with points \
         lc rgb col(i) pt ptype(i) ps psz(2.2) title (ssingle[i] ? stitle[i] : '')
load dir.'finish.gp'
