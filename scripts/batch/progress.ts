/** Seconds between plain progress lines when stderr is not a terminal. */
const LOG_INTERVAL_S = 5
/** Milliseconds between redraws of the progress bar. */
const REDRAW_INTERVAL_MS = 100
const BAR_WIDTH = 30

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--'
  const total = Math.round(seconds)
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const rest = String(total % 60).padStart(2, '0')
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`
}

/**
 * Progress of a batch on stderr: a bar with rate and ETA redrawn in place on a
 * terminal, otherwise one plain line every few seconds. Messages go through
 * {@link Progress.log} so that they do not break the bar.
 */
export class Progress {
  readonly #total: number
  readonly #stream: NodeJS.WriteStream
  readonly #tty: boolean
  readonly #started = performance.now()
  #done = 0
  #failed = 0
  #lastDrawMs = 0
  #barShown = false

  /** `total` counts the items this run processes, without those an earlier run finished. */
  constructor(total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#total = total
    this.#stream = stream
    this.#tty = stream.isTTY === true
  }

  get done(): number {
    return this.#done
  }

  get failed(): number {
    return this.#failed
  }

  get elapsedS(): number {
    return (performance.now() - this.#started) / 1000
  }

  /** Counts one finished item. */
  tick(ok: boolean): void {
    this.#done++
    if (!ok) this.#failed++
    const now = performance.now()
    const interval = this.#tty ? REDRAW_INTERVAL_MS : LOG_INTERVAL_S * 1000
    if (now - this.#lastDrawMs >= interval || this.#done === this.#total) {
      this.#lastDrawMs = now
      this.#draw()
    }
  }

  /** Writes a message line above the bar. */
  log(message: string): void {
    this.#clearBar()
    this.#stream.write(message.endsWith('\n') ? message : `${message}\n`)
    if (this.#barShown) this.#draw()
  }

  /** Leaves the bar's last state on its own line. */
  end(): void {
    if (this.#tty && this.#barShown) this.#stream.write('\n')
    this.#barShown = false
  }

  #clearBar(): void {
    if (this.#tty && this.#barShown) this.#stream.write('\r\x1b[K')
  }

  #draw(): void {
    const rate = this.#done / Math.max(this.elapsedS, 1e-3)
    const etaS = rate > 0 ? (this.#total - this.#done) / rate : Number.POSITIVE_INFINITY
    const percent = this.#total > 0 ? (100 * this.#done) / this.#total : 100
    const counts = `${this.#done}/${this.#total} (${percent.toFixed(0)}%), ${rate.toFixed(1)} items/s, ETA ${formatDuration(etaS)}`
    const failed = this.#failed > 0 ? `, ${this.#failed} failed` : ''
    if (!this.#tty) {
      this.#stream.write(`progress: ${counts}${failed}\n`)
      return
    }
    const filled = Math.round((BAR_WIDTH * percent) / 100)
    const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled)
    this.#stream.write(`\r\x1b[K[${bar}] ${counts}${failed}`)
    this.#barShown = true
  }
}
