package dev.jrwkv.train;

import dev.jrwkv.format.SafetensorsFile;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written backward against PyTorch autograd on the same weights and batch. The reference
 * gradients come from our own PyTorch version of the RWKV-7 equations ({@code src/test/python/rwkv7_autograd.py},
 * float64, run on the GPU machine; inputs written by {@link TorchAutogradData}), kept as test data.
 * Tolerance: per tensor, max |g_java - g_torch| <= 1e-3 x max |g_torch| + 1e-7 (float32 against float64).
 */
class TorchAutogradParityTest {

    @Test
    void everyGradientEqualsAutograd() throws URISyntaxException {
        Path dir = Path.of(getClass().getResource("/torch-autograd/grads.safetensors").toURI()).getParent();
        Parameters p = PretrainedParameters.load(dir.resolve("weights.safetensors"));
        try (Parallel pool = new Parallel(2); SafetensorsFile torch = SafetensorsFile.open(dir.resolve("grads.safetensors"))) {
            TrainableRwkv7 net = new TrainableRwkv7(p, TorchAutogradData.B, TorchAutogradData.T, pool);
            double loss = net.forward(TorchAutogradData.inputs(), TorchAutogradData.targets());
            net.backward();
            assertThat(loss).isCloseTo(Double.parseDouble(torch.metadata().get("loss")), org.assertj.core.data.Offset.offset(1e-4));
            int compared = 0;
            for (Param g : net.gradients().list()) {
                Tensor ref = torch.get(g.name());
                float[] want = ref.toFloats();
                float[] got = g.data();
                assertThat(got).as(g.name()).hasSameSizeAs(want);
                double scale = 0, worst = 0;
                for (int i = 0; i < want.length; i++) {
                    scale = Math.max(scale, Math.abs(want[i]));
                    worst = Math.max(worst, Math.abs(got[i] - want[i]));
                }
                assertThat(worst).as(g.name() + " (max |g| " + scale + ")").isLessThanOrEqualTo(1e-3 * scale + 1e-7);
                compared++;
            }
            assertThat(compared).isEqualTo(torch.names().size());
        }
    }
}
