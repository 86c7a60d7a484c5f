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
    void defaultsAreLoopbackAndPort8080() {
        ServeCommand c = new ServeCommand();
        new CommandLine(c).parseArgs("m.bin");
        assertThat(c.options().host()).isEqualTo("127.0.0.1");
        assertThat(c.options().port()).isEqualTo(8080);
        assertThat(c.options().modelName()).isEqualTo("m");
    }
}
