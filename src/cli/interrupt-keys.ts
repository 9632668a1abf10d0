/**
 * A headless run on a terminal: Ctrl-C must reach portcullis alone. The terminal sends SIGINT to the whole
 * foreground process group, the ssh clients included, and ssh's multiplexing client handles SIGINT itself
 * by dropping its session: the script in flight would die half-way. With the terminal's signal keys off
 * (raw input), Ctrl-C arrives as a byte, and `onInterrupt` (the run's SIGINT handler) gets it; a SIGINT
 * sent by `kill` still reaches the handler as before. Anything else typed is ignored. Node gives the
 * terminal its mode back when the process exits; the returned function does it earlier.
 */
export function interruptKeys(onInterrupt: () => void, input: NodeJS.ReadStream = process.stdin): () => void {
  if (!input.isTTY || typeof input.setRawMode !== 'function') return () => {};
  const wasRaw = input.isRaw;
  const onData = (b: Buffer) => {
    for (const byte of b) if (byte === 0x03) onInterrupt();
  };
  input.setRawMode(true);
  input.on('data', onData);
  input.resume();
  // Listening must not keep the process alive once the run is over.
  input.unref?.();
  return () => {
    input.off('data', onData);
    input.setRawMode(wasRaw);
    input.pause();
  };
}
