# Speedup versus workers: a line per mode with 95% CI error bars, the serial
# baseline as one large point, the fitted Amdahl curve of each mode dotted (only
# where parbench fitted one, over at least 3 worker counts), and the ideal line
# (p, and what the machine gives when less) drawn last, over the data.
# usage: gnuplot -c speedup.gp NAME.gpvars OUTBASE
if (ARGC < 2) { print 'usage: gnuplot -c speedup.gp NAME.gpvars OUTBASE  (writes OUTBASE.svg and OUTBASE.png)'; exit status 2 }
varsfile = ARG1; outbase = ARG2
# common.gp and the other shared pieces live next to this script.
here = ARG0; n = strlen(here); while (n > 0 && here[n:n] ne '/') { n = n - 1 }
dir = n > 0 ? here[1:n] : ''
load dir.'common.gp'
load dir.'workerticks.gp'

set title sprintf("%s: speedup versus workers\n%s", subject, machine)
set samples 400
if (xlog) {
    # Log-log: the ideal is the diagonal and 1 ... 8 workers are as readable as 64 ... 128.
    set ylabel 'speedup over serial (log scale, higher is better)'
    set logscale y 2
    set yrange [spmin : spmax]
    set format y '%g'
} else {
    set ylabel 'speedup over serial (higher is better)'
    set yrange [0:*]
    set offsets 0, 0, graph 0.06, 0
}
# parbench run fits times, T(p) = T1 (f + (1 - f) / p); over serial that is scaled by serial / T1.
amdahl(p, i) = samdahlk[i] / (samdahl[i] + (1.0 - samdahl[i]) / p)
inside(x) = x >= 1 && x <= maxw
has_fit(i) = samdahl[i] == samdahl[i]
multi(i) = !ssingle[i]

# The ideal is what the machine gives (gpvars: sidealx/sidealy): min(p, CPU quota)
# in a container, the capacity of the workers' CPU kinds on a hybrid machine.
# When it is not plainly p, it is drawn solid and p stays beside it, dashed.
# Legend order: the ideal first, the modes, the serial baseline, the Amdahl note;
# drawing order: the modes, their fits, the baseline, then the ideal over everything.
if (idealdiffers) { set label 1 idealnote at graph 0.02, graph 0.97 left front font ',10' tc rgb '#555555' }
plot NaN with lines lc rgb refcol dt 2 lw 1.5 \
         title (idealdiffers ? 'p×' : 'ideal (p×)'), \
     NaN with lines lc rgb refcol dt 1 lw 1.5 title (idealdiffers ? 'ideal (machine limit)' : ''), \
     for [i=1:nseries] datafile index (i - 1) using (multi(i) ? xd($1, i) : NaN):5:6:7 with yerrorlines \
         lc rgb col(i) dt sdash[i] pt ptype(i) ps psz(1.3) lw 2.2 title (multi(i) ? sfit[i] : ''), \
     for [i=1:nseries] (has_fit(i) && inside(x) ? amdahl(x, i) : 1/0) with lines \
         lc rgb col(i) dt 3 lw 1.5 notitle, \
     (nfits > 0 ? NaN : NaN) with lines lc rgb '#777777' dt 3 lw 1.5 \
         title (nfits > 0 ? 'Amdahl fit (dotted)' : ''), \
     for [i=1:nseries] datafile index (i - 1) using (ssingle[i] ? $1 : NaN):5 with points \
         lc rgb col(i) pt ptype(i) ps psz(2.2) title (ssingle[i] ? stitle[i] : ''), \
     (inside(x) ? x : 1/0) with lines lc rgb refcol dt 2 lw 1.5 notitle, \
     sidealy using (sidealx[$1]):(idealdiffers ? $2 : 1/0) with lines lc rgb refcol dt 1 lw 1.5 notitle
load dir.'finish.gp'
