# Redraw the chart just plotted as a PNG next to the SVG.
set output
set terminal pngcairo size 1100,720 font 'Sans,15' background rgb 'white' noenhanced
set output outbase.'.png'
replot
set output
