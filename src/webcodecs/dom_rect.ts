// DOMRectReadOnly (https://www.w3.org/TR/geometry-1/#domrectreadonly), which Node does not have:
// VideoFrame's codedRect and visibleRect.

export interface DOMRectInit {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
}

/** DOMRectReadOnly (Geometry Interfaces), which Node does not have. */
export class DOMRectReadOnly {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  constructor(x = 0, y = 0, width = 0, height = 0) {
    this.x = Number(x);
    this.y = Number(y);
    this.width = Number(width);
    this.height = Number(height);
  }
  static fromRect(rect: DOMRectInit = {}): DOMRectReadOnly {
    return new DOMRectReadOnly(rect.x, rect.y, rect.width, rect.height);
  }
  get top(): number {
    return Math.min(this.y, this.y + this.height);
  }
  get bottom(): number {
    return Math.max(this.y, this.y + this.height);
  }
  get left(): number {
    return Math.min(this.x, this.x + this.width);
  }
  get right(): number {
    return Math.max(this.x, this.x + this.width);
  }
  toJSON(): Record<string, number> {
    return { x: this.x, y: this.y, width: this.width, height: this.height, top: this.top, right: this.right, bottom: this.bottom, left: this.left };
  }
}
