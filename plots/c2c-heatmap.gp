# Core-to-core latency heatmap: one cell per ordered pair of CPUs (row: the
# CPU that starts the compare-and-swap ping-pong, column: the one answering),
# colour = one-way latency in ns, the diagonal left blank.  On a many-core
# machine the blocks show SMT siblings, L3 clusters and sockets.
# usage: gnuplot -c c2c-heatmap.gp c2c.gpvars OUTBASE  (writes OUTBASE.svg and OUTBASE.png)
# c2c.gpvars (written by `parbench probe`) sets: datafile (the n x n matrix,
# NaN where there is no value), ncpu, cpu[ncpu] (OS indexes, the row/column
# order), tickstep (label every tickstep-th CPU), subject, machine.
if (ARGC < 2) { print 'usage: gnuplot -c c2c-heatmap.gp c2c.gpvars OUTBASE  (writes OUTBASE.svg and OUTBASE.png)'; exit status 2 }
varsfile = ARG1; outbase = ARG2
load varsfile

# Strings come from probe.json: no enhanced-text markup.
set terminal svg size 720,660 dynamic font 'Sans,13' background rgb 'white' noenhanced
set output outbase.'.svg'

set title sprintf("%s\n%s", subject, machine)
set xlabel 'responding CPU (OS index)'
set ylabel 'initiating CPU (OS index)'
set cblabel 'one-way latency (ns)'
set size ratio -1
set xrange [-0.5:ncpu - 0.5]
set yrange [ncpu - 0.5:-0.5]   # row 0 on top, as the matrix reads
set tics out nomirror
set xtics () rotate by 90 right
set ytics ()
do for [i = 1:ncpu:tickstep] {
    set xtics add (sprintf('%d', cpu[i]) i - 1)
    set ytics add (sprintf('%d', cpu[i]) i - 1)
}
# Dark = fast, light = slow (viridis-like: readable in grey and by the colour-blind).
set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')
set cbrange [*:*]
set datafile missing 'NaN'
unset key
set style textbox opaque fillcolor rgb 'white' noborder margins 2,1
# Small matrices get their numbers written into the cells.
cell(v) = v == v ? sprintf('%.0f', v) : ''
if (ncpu <= 16) {
    plot datafile matrix with image pixels, \
         datafile matrix using 1:2:(cell($3)) with labels boxed textcolor rgb 'black'
} else {
    plot datafile matrix with image pixels
}

# The same chart as a PNG next to the SVG.
set output
set terminal pngcairo size 1100,1000 font 'Sans,15' background rgb 'white' noenhanced
set output outbase.'.png'
replot
set output
