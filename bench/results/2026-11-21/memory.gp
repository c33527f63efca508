set terminal pngcairo size 900,520 font 'sans,10'
set output 'memory.png'
set title 'Peak RSS per node (median over runs)'
set ylabel 'MiB'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top
set grid ytics
set yrange [0:*]
plot 'memory.dat' using 2:xtic(1) title 's1', 'memory.dat' using 3:xtic(1) title 's2', 'memory.dat' using 4:xtic(1) title 's3', 'memory.dat' using 5:xtic(1) title 's4', 'memory.dat' using 6:xtic(1) title 's5'
