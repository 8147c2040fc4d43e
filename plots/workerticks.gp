# x axis of the line charts: worker counts, a tick at each count that was run.
set xlabel 'workers (threads or processes)'
pad = maxw * 0.04 > 0.25 ? maxw * 0.04 : 0.25
set xrange [1 - pad : maxw + pad]
if (nworkers <= 16) {
    set xtics ()
    do for [k = 1:nworkers] { set xtics add (sprintf('%d', wlist[k]) wlist[k]) }
} else {
    set xtics autofreq
    set format x '%.0f'
}
