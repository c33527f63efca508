set terminal pngcairo size 900,520 font 'sans,10'
set output 'latency_cdf.png'
set title 'End-to-end latency (sensor reading to stored row), all runs pooled'
set xlabel 'ms (log scale; whole ms, 0 drawn at 0.5)'
set logscale x
set ylabel 'fraction of readings'
set key bottom right
set grid xtics mxtics ytics
set xrange [0.5:628]
set yrange [0:1]
plot 'latency_cdf.dat' using 2:1 with steps lw 2 title '1. Wasm only on the edge', 'latency_cdf.dat' using 3:1 with steps lw 2 title '2. Wasm on edge and fog', 'latency_cdf.dat' using 4:1 with steps lw 2 title '3. Wasm everywhere', 'latency_cdf.dat' using 5:1 with steps lw 2 title '4. Common practice', 'latency_cdf.dat' using 6:1 with steps lw 2 title '5. Fully native'
