// ws exports its frame encoder (`Sender.frame`) but @types/ws does not declare it.
import "ws";

declare module "ws" {
  interface SenderFrameOptions {
    fin: boolean;
    opcode: number;
    mask: boolean;
    readOnly: boolean;
    rsv1: boolean;
  }
  export const Sender: {
    /** The frame's bytes: a header and, when there is a payload, the payload itself. */
    frame(data: Buffer, options: SenderFrameOptions): Buffer[];
  };
}
