/**
 * Who set each key of a loaded configuration, for messages: "postoffice.yaml:3",
 * "POSTOFFICE_PORT", "--port" or "the chat preset"; undefined for a default. A key is a JSON
 * pointer ("/server/port"). Checks made after loading (the composition root's, a command that
 * prints the effective configuration) name sources through this.
 */
export interface ConfigSources {
  describe(pointer: string): string | undefined;
}
