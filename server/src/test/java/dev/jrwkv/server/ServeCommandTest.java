package dev.jrwkv.server;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ServeCommandTest {

    @Test
    void argumentsBecomeServerOptions() {
        ServeCommand c = new ServeCommand();
        new CommandLine(c).parseArgs("models/rwkv7-g1-0.1b.pth", "--port", "0", "--max-sessions", "4", "--api-key", "k",
                "--states", "st", "--cache-mb", "64", "--queue", "3");
        ServerOptions o = c.options();
        assertThat(o.host()).isEqualTo("127.0.0.1");
        assertThat(o.port()).isZero();
        assertThat(o.maxSessions()).isEqualTo(4);
        assertThat(o.queueSize()).isEqualTo(3);
        assertThat(o.apiKey()).isEqualTo("k");
        assertThat(o.statesDir()).isEqualTo(Path.of("st"));
        assertThat(o.cacheBytes()).isEqualTo(64L << 20);
        assertThat(o.modelName()).isEqualTo("rwkv7-g1-0.1b");
    }

    @Test
    void limitFlagsBecomeServerLimitsAndDefaultToServerLimitsDefaults() {
        ServeCommand c = new ServeCommand();
        new CommandLine(c).parseArgs("m.bin", "--max-body-mb", "2", "--max-tokens-limit", "1000", "--max-n", "4", "--max-prompt-tokens", "8000",
                "--request-timeout", "90", "--read-timeout", "5", "--idle-timeout", "20", "--max-header-kb", "16", "--max-headers", "32",
                "--max-connections", "100");
        assertThat(c.options().limits()).isEqualTo(new ServerLimits(2 << 20, 1000, 4, 8000, java.time.Duration.ofSeconds(90),
                java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(20), 16 << 10, 32, 100));
        ServeCommand d = new ServeCommand();
        new CommandLine(d).parseArgs("m.bin");
        assertThat(d.options().limits()).isEqualTo(ServerLimits.defaults());
    }

    @Test
    void defaultsAreLoopbackAndPort8080() {
        ServeCommand c = new ServeCommand();
        new CommandLine(c).parseArgs("m.bin");
        assertThat(c.options().host()).isEqualTo("127.0.0.1");
        assertThat(c.options().port()).isEqualTo(8080);
        assertThat(c.options().modelName()).isEqualTo("m");
    }
}
