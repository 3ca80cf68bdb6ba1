/**
 * A small live graph of incoming and outgoing bitrate on a canvas.
 */
export class BitrateGraph {
  readonly #canvas: HTMLCanvasElement;
  readonly #samples: { in: number; out: number }[] = [];
  readonly #size: number;

  /** @param canvas where to draw; `size` samples fit the width */
  constructor(canvas: HTMLCanvasElement, size = 60) {
    this.#canvas = canvas;
    this.#size = size;
  }

  /** Adds one sample (bits per second) and redraws. */
  push(bitsIn: number, bitsOut: number): void {
    this.#samples.push({ in: bitsIn, out: bitsOut });
    if (this.#samples.length > this.#size) this.#samples.shift();
    this.draw();
  }

  /** Forgets every sample. */
  clear(): void {
    this.#samples.length = 0;
    this.draw();
  }

  /** Draws the samples. */
  draw(): void {
    const ctx = this.#canvas.getContext('2d');
    if (!ctx) return;
    const { width, height } = this.#canvas;
    ctx.clearRect(0, 0, width, height);
    const max = Math.max(100_000, ...this.#samples.map((s) => Math.max(s.in, s.out))) * 1.15;
    const step = width / (this.#size - 1);
    const line = (pick: (s: { in: number; out: number }) => number, color: string): void => {
      ctx.beginPath();
      this.#samples.forEach((s, i) => {
        const x = i * step;
        const y = height - (pick(s) / max) * (height - 4) - 2;
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.stroke();
    };
    line((s) => s.out, '#9bb3c4');
    line((s) => s.in, '#1f7a8c');
  }
}
