# x axis of the line charts: worker counts, a tick at each count that was run.
# A ladder spanning 16x or more (xlog, from parbench) is shown on a log2 axis,
# so 1, 2, 3, 4 do not pile up at the left of a 1 ... 128 axis.
set xlabel 'workers (threads or processes)'
if (xlog) {
    set logscale x 2
    set xrange [wlist[1] / 2**0.3 : maxw * 2**0.3]
} else {
    pad = maxw * 0.04 > 0.25 ? maxw * 0.04 : 0.25
    set xrange [1 - pad : maxw + pad]
}
if (nworkers <= 16) {
    set xtics ()
    do for [k = 1:nworkers] { set xtics add (sprintf('%d', wlist[k]) wlist[k]) }
} else {
    if (xlog) {
        # Label the powers of two, a small tick at every other count.
        set xtics ()
        do for [k = 1:nworkers] {
            l2 = log(wlist[k]) / log(2)
            if (abs(l2 - floor(l2 + 0.5)) < 1e-9) {
                set xtics add (sprintf('%d', wlist[k]) wlist[k])
            } else {
                set xtics add ('' wlist[k] 1)
            }
        }
    } else {
        set xtics autofreq
        set format x '%.0f'
    }
}
