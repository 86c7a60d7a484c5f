package dev.jrwkv.train;

/**
 * Training throughput, not a test: {@code java ... dev.jrwkv.train.TrainBenchmark [layers embd ctx batch steps threads]}
 * (default L4 C128 T128 B8, 12 steps, all cores). Prints tokens/s per step, the median after warm-up, and
 * tokens per CPU-second of the whole process after warm-up (a figure that holds up on a shared machine).
 */
public final class TrainBenchmark {
    public static void main(String[] args) {
        int[] a = {4, 128, 128, 8, 12, Runtime.getRuntime().availableProcessors()};
        for (int i = 0; i < args.length && i < a.length; i++) a[i] = Integer.parseInt(args[i]);
        TrainConfig cfg = TrainConfig.byteLevel(a[0], a[1], a[2], a[3], a[4], 1e-3, 1).withThreads(a[5]).withValidation(0.1, 0, 1);
        byte[] data = TrainerTest.repeating(200_000);
        double[] tps = new double[a[4]];
        try (Trainer t = new Trainer(cfg, data)) {
            System.out.println(cfg.shape() + " T" + a[2] + " B" + a[3] + " threads " + a[5] + ", " + t.parameters().count() + " parameters");
            long cpuStart = 0;
            for (int s = 0; s < a[4]; s++) {
                if (s == 2) cpuStart = cpuNanos();
                StepMetrics m = t.step();
                tps[s] = m.tokensPerSecond();
                System.out.printf("step %d loss %.4f %.0f tokens/s%n", m.step(), m.trainLoss(), m.tokensPerSecond());
            }
            if (a[4] > 2) System.out.printf("%.0f tokens per CPU-second after warm-up%n", (a[4] - 2.0) * a[2] * a[3] / ((cpuNanos() - cpuStart) / 1e9));
        }
        double[] measured = java.util.Arrays.copyOfRange(tps, Math.min(2, tps.length - 1), tps.length);
        java.util.Arrays.sort(measured);
        System.out.printf("median %.0f tokens/s (after 2 warm-up steps)%n", measured[measured.length / 2]);
    }

    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }
}
