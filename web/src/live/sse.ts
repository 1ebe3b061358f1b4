// Server-Sent Events, read from a fetch stream: events are blocks ended by a blank line.
export interface Parsed {
  event: string;
  data: string;
}

/** Take every complete event out of BUFFER (what is left waits for the next chunk). */
export function* parse(buffer: { text: string }): Generator<Parsed> {
  let end: number;
  while ((end = buffer.text.indexOf("\n\n")) >= 0) {
    const block = buffer.text.slice(0, end);
    buffer.text = buffer.text.slice(end + 2);
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (data.length) yield { event, data: data.join("\n") };
  }
}
