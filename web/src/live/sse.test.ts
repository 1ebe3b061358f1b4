import { describe, expect, it } from "vitest";
import { parse } from "./sse";

describe("the live stream's event parser", () => {
  it("yields complete events and keeps a partial one for the next chunk", () => {
    const buffer = { text: 'retry: 2000\nevent: hello\ndata: {"position":3}\n\n: keep-alive\n\nevent: batch\ndata: {"posi' };
    expect([...parse(buffer)]).toEqual([{ event: "hello", data: '{"position":3}' }]);
    expect(buffer.text).toBe('event: batch\ndata: {"posi');
    buffer.text += 'tion":4}\n\n';
    expect([...parse(buffer)]).toEqual([{ event: "batch", data: '{"position":4}' }]);
    expect(buffer.text).toBe("");
  });

  it("joins multi-line data and defaults the event name", () => {
    expect([...parse({ text: "data: a\ndata: b\n\n" })]).toEqual([{ event: "message", data: "a\nb" }]);
  });
});
