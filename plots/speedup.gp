# Speedup versus workers: a line per mode, error bars from the 95% CI, the
# ideal line (p, and what the machine gives when less) and, dotted, the fitted Amdahl curve of each mode when there is one.
# usage: gnuplot -c speedup.gp NAME.gpvars OUTBASE
if (ARGC < 2) { print 'usage: gnuplot -c speedup.gp NAME.gpvars OUTBASE  (writes OUTBASE.svg and OUTBASE.png)'; exit status 2 }
varsfile = ARG1; outbase = ARG2
# common.gp and the other shared pieces live next to this script.
here = ARG0; n = strlen(here); while (n > 0 && here[n:n] ne '/') { n = n - 1 }
dir = n > 0 ? here[1:n] : ''
load dir.'common.gp'
load dir.'workerticks.gp'

set title sprintf("%s: speedup versus workers\n%s", subject, machine)
set ylabel 'speedup over serial (higher is better)'
set yrange [0:*]
set offsets 0, 0, graph 0.06, 0
set samples 400
# parbench run fits times, T(p) = T1 (f + (1 - f) / p); over serial that is scaled by serial / T1.
amdahl(p, i) = samdahlk[i] / (samdahl[i] + (1.0 - samdahl[i]) / p)
inside(x) = x >= 1 && x <= maxw
has_fit(i) = samdahl[i] == samdahl[i]

# The ideal is what the machine gives (gpvars: sidealx/sidealy): min(p, CPU quota)
# in a container, the capacity of the workers' CPU kinds on a hybrid machine.
# When it is not plainly p, it is drawn solid and p stays beside it, dashed.
if (idealdiffers) { set label 1 idealnote at graph 0.02, graph 0.97 left front font ',10' tc rgb '#555555' }
plot (inside(x) ? x : 1/0) with lines lc rgb '#999999' dt 2 lw 1.5 \
         title (idealdiffers ? 'p× (speedup = workers)' : 'ideal (speedup = workers)'), \
     sidealy using (sidealx[$1]):(idealdiffers ? $2 : 1/0) with lines lc rgb '#555555' dt 1 lw 1.5 \
         title (idealdiffers ? 'ideal (what the machine gives)' : ''), \
     for [i=1:nseries] datafile index (i - 1) using 1:5:6:7 with yerrorlines \
         lc rgb col(i) dt sdash[i] pt ptype(i) ps 1.3 lw 2.2 title stitle[i], \
     for [i=1:nseries] (has_fit(i) && inside(x) ? amdahl(x, i) : 1/0) with lines \
         lc rgb col(i) dt 3 lw 1.5 \
         title (has_fit(i) ? sprintf('%s, Amdahl f=%.3f', stitle[i], samdahl[i]) : '')
load dir.'finish.gp'
