/**
 * What `ws` may hold of a message it is still reading, on every connection [LIMIT-6]: its
 * payload (`maxPayload`: 1009 past it), its fragments, and the socket reads of a frame not yet
 * whole (1008 past either). ws keeps each fragment and each read as a Buffer of its own, about
 * 200 bytes of bookkeeping each, so a message sent as one-byte fragments, or a frame trickled
 * one byte per TCP segment, costs the node a hundred times its size: counts need bounds of
 * their own, not only the bytes.
 */
export function readLimits(limits: { maxFrameBytes: number; maxFragments: number }): {
  maxPayload: number;
  maxFragments: number;
  maxBufferedChunks: number;
} {
  return {
    maxPayload: limits.maxFrameBytes,
    maxFragments: limits.maxFragments,
    // A whole frame comes in reads of a TCP segment or more (536 bytes at the least, but the
    // last): room for a largest frame read in the smallest segments, and some to spare.
    maxBufferedChunks: Math.ceil(limits.maxFrameBytes / SMALLEST_READ) + 64,
  };
}

const SMALLEST_READ = 512;
