import Benchmark
import CDecodeBaseline
import Foundation
import OmiAudio
import Synchronization

// Inputs: OMI_BENCH_WAV (bench/run points it at the 60 s speech fixture), encoded once as a CV1 sends it.
// Every benchmark decodes the same capture once per iteration, so scores compare directly: bench/run prints
// pipeline ÷ C-loop and the × real-time figures.

nonisolated(unsafe) var capture = OmiCapture(codec: .opus20ms, mtu: 247)
nonisolated(unsafe) var frameBytes: [UInt8] = []
nonisolated(unsafe) var frameLengths: [Int32] = []

func loadInput() {
    guard capture.records.isEmpty else { return }
    let path = ProcessInfo.processInfo.environment["OMI_BENCH_WAV"] ?? "speech.wav"
    let audio: PCMAudio
    do { audio = try PCMAudio.load(path: path).audio } catch { fatalError("benchmark input: \(error)") }
    capture = try! OmiCapture.encode(audio, codec: .opus20ms, mtu: 247).capture
    for record in capture.records {
        frameBytes += record.bytes.dropFirst(OmiPacket.headerLength)
        frameLengths.append(Int32(record.bytes.count - OmiPacket.headerLength))
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        warmupIterations: 2, maxDuration: .seconds(5), maxIterations: 100)

    Benchmark("decode: C loop over opus_decode (baseline)") { benchmark in
        loadInput()
        var pcm = [Int16](repeating: 0, count: 1920)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let samples = frameBytes.withUnsafeBufferPointer { bytes in
                frameLengths.withUnsafeBufferPointer { lengths in
                    pcm.withUnsafeMutableBufferPointer {
                        omi_baseline_decode(
                            bytes.baseAddress, lengths.baseAddress, Int32(lengths.count), $0.baseAddress, 1920)
                    }
                }
            }
            blackHole(samples)
        }
    }

    Benchmark("decode: DecoderStage, one thread (reassembly + libopus)") { benchmark in
        loadInput()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var stage = try DecoderStage(configuration: DecoderConfiguration(codec: .opus20ms, mtu: 247))
            var samples = 0
            for record in capture.records {
                record.bytes.withUnsafeBytes { stage.ingest($0, output: { samples += $0.count }, discontinuity: { _ in }) }
            }
            blackHole(samples)
        }
    }

    Benchmark("decode: AudioPipeline, threads and rings (the live path)") { benchmark in
        loadInput()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try CaptureReplay.run(capture, collectPCM: false).report.decodedSeconds)
        }
    }

    Benchmark(
        "ring: SPSCRing<Int16>, 2 threads, 10^7 samples in 320-sample writes",
        configuration: .init(metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal], maxIterations: 20)
    ) { benchmark in
        let total = 10_000_000
        let chunk = [Int16](repeating: 7, count: 320)
        for _ in benchmark.scaledIterations {
            let ring = SPSCRing<Int16>(minimumCapacity: 1 << 16)
            let producer = Thread {
                var sent = 0
                chunk.withUnsafeBufferPointer { c in
                    while sent < total {
                        while !ring.write(c) { _ = ring.waitForSpace(c.count) }
                        sent += c.count
                    }
                }
                ring.close()
            }
            producer.start()
            var received = 0
            var sum = 0
            while true {
                let (a, b) = ring.readableSegments()
                let n = a.count + b.count
                if n > 0 {
                    for v in a { sum &+= Int(v) }
                    for v in b { sum &+= Int(v) }
                    ring.consume(n)
                    received += n
                } else if ring.isClosed && ring.count == 0 {
                    break
                } else {
                    _ = ring.waitForData()
                }
            }
            blackHole(received)
            blackHole(sum)
        }
    }

    Benchmark(
        "ring baseline: Mutex-guarded array queue, 2 threads, 10^7 samples in 320-sample writes",
        configuration: .init(metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal], maxIterations: 20)
    ) { benchmark in
        let total = 10_000_000
        let chunk = [Int16](repeating: 7, count: 320)
        for _ in benchmark.scaledIterations {
            let queue = Mutex<(items: [Int16], closed: Bool)>(([], false))
            let producer = Thread {
                var sent = 0
                while sent < total {
                    // Bounded like the ring (64 Ki samples), so memory does not grow without limit.
                    let accepted = queue.withLock { q -> Bool in
                        guard q.items.count + chunk.count <= 1 << 16 else { return false }
                        q.items.append(contentsOf: chunk)
                        return true
                    }
                    if accepted { sent += chunk.count } else { sched_yield() }
                }
                queue.withLock { $0.closed = true }
            }
            producer.start()
            var received = 0
            var sum = 0
            var batch: [Int16] = []
            while true {
                let closed = queue.withLock { q -> Bool in
                    swap(&q.items, &batch)
                    return q.closed
                }
                if batch.isEmpty {
                    if closed { break }
                    sched_yield()
                    continue
                }
                for v in batch { sum &+= Int(v) }
                received += batch.count
                batch.removeAll(keepingCapacity: true)
            }
            blackHole(received)
            blackHole(sum)
        }
    }
}
