set terminal pngcairo size 900,520 font 'sans,10'
set output 'overhead.png'
set title 'Stage execution per call: our engine (.wasm) vs native (.so), same trace'
set ylabel 'us per call (CPU)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top
set grid ytics
set yrange [0:*]
plot 'overhead.dat' using 2:xtic(1) title 'wasm', 'overhead.dat' using 3:xtic(1) title 'native'
