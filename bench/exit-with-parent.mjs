// Loaded with `--import` into a service process the bench forks (the Glue sandbox): when the
// IPC channel to the bench closes, the bench has ended or died, and nothing else would ever
// stop a listening server, so the process ends too.
process.on('disconnect', () => process.exit(0));
