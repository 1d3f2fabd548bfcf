// (sources follow)
