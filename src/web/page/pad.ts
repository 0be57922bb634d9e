// The drawing pad: white strokes on a black canvas from mouse, touch or pen (pointer events, several at once).

export interface PadOptions {
  /** Called while drawing (at most once per animation frame) and when a stroke ends. */
  onInk(): void;
  /** Called before the first stroke after the pad showed something other than a drawing (a test image). */
  onStartDrawing(): void;
}

export class DrawingPad {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly last = new Map<number, { x: number; y: number }>();
  private framePending = false;
  /** False while the pad shows a test image: the next stroke starts a fresh drawing. */
  private drawing = true;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly options: PadOptions,
  ) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser has no 2D canvas');
    this.ctx = ctx;
    // Line width relative to the pad: after scaling the ink to 20x20 strokes come out about as thick as KMNIST's.
    ctx.lineWidth = canvas.width / 14;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    this.clear();
    canvas.style.touchAction = 'none';
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) {
      canvas.addEventListener(type, (e) => this.up(e));
    }
  }

  clear(): void {
    this.ctx.save();
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.ctx.restore();
    this.drawing = true;
  }

  /** Grey levels (the red channel: strokes are white) of the whole pad. */
  gray(): Uint8ClampedArray {
    const { data } = this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
    const out = new Uint8ClampedArray(this.canvas.width * this.canvas.height);
    for (let i = 0; i < out.length; i++) out[i] = data[i * 4];
    return out;
  }

  /** Shows a small image (e.g. a 28x28 test image) enlarged, with crisp pixels. */
  showImage(pixels: ArrayLike<number>, width: number, height: number): void {
    const small = document.createElement('canvas');
    small.width = width;
    small.height = height;
    const sctx = small.getContext('2d');
    if (!sctx) return;
    sctx.putImageData(grayToImageData(pixels, width, height), 0, 0);
    this.ctx.save();
    this.ctx.imageSmoothingEnabled = false;
    this.ctx.drawImage(small, 0, 0, this.canvas.width, this.canvas.height);
    this.ctx.restore();
    this.drawing = false;
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - rect.left) * this.canvas.width) / rect.width,
      y: ((e.clientY - rect.top) * this.canvas.height) / rect.height,
    };
  }

  private down(e: PointerEvent): void {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    if (!this.drawing) {
      this.options.onStartDrawing();
      this.clear();
    }
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // Synthetic or already-released pointers can't be captured; drawing works without capture.
    }
    const p = this.point(e);
    this.last.set(e.pointerId, p);
    this.ctx.beginPath();
    this.ctx.arc(p.x, p.y, this.ctx.lineWidth / 2, 0, Math.PI * 2);
    this.ctx.fill();
    this.scheduleInk();
  }

  private move(e: PointerEvent): void {
    const prev = this.last.get(e.pointerId);
    if (!prev) return;
    e.preventDefault();
    // Coalesced events keep pen and fast mouse strokes smooth.
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    let from = prev;
    for (const ev of events.length > 0 ? events : [e]) {
      const p = this.point(ev);
      this.ctx.beginPath();
      this.ctx.moveTo(from.x, from.y);
      this.ctx.lineTo(p.x, p.y);
      this.ctx.stroke();
      from = p;
    }
    this.last.set(e.pointerId, from);
    this.scheduleInk();
  }

  private up(e: PointerEvent): void {
    if (!this.last.delete(e.pointerId)) return;
    this.options.onInk();
  }

  private scheduleInk(): void {
    if (this.framePending) return;
    this.framePending = true;
    requestAnimationFrame(() => {
      this.framePending = false;
      this.options.onInk();
    });
  }
}

export function grayToImageData(pixels: ArrayLike<number>, width: number, height: number): ImageData {
  const img = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = pixels[i];
    img.data[i * 4] = v;
    img.data[i * 4 + 1] = v;
    img.data[i * 4 + 2] = v;
    img.data[i * 4 + 3] = 255;
  }
  return img;
}
