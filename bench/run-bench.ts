// How every bench script ends: exit 0 once its main has finished (and stopped what it started), or
// print the error and exit 1. Exiting explicitly ends the run even if a client still holds an idle
// keep-alive socket.
export function runBench(main: () => Promise<void>): void {
  main()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
