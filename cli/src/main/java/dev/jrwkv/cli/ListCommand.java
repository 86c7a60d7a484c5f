package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code jrwkv list}: the catalogue, what of it is in the cache (with sizes), and other files there. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Show the models jrwkv can pull and those already downloaded.")
final class ListCommand implements Callable<Integer> {
    private final StdStreams io;

    @Mixin
    CacheOption cache;

    ListCommand(StdStreams io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        Path dir = cache.dir();
        PrintWriter out = io.out();
        out.println("cache: " + dir);
        out.printf("%-18s %-12s %s%n", "NAME", "DOWNLOADED", "DESCRIPTION");
        Set<String> known = new HashSet<>();
        for (CatalogueEntry e : Catalogue.entries()) {
            known.add(e.file());
            known.add(Downloader.partOf(Path.of(e.file())).toString());
            out.printf("%-18s %-12s %s%n", e.name(), status(dir.resolve(e.file())), e.description());
        }
        List<Path> others = others(dir, known);
        if (!others.isEmpty()) {
            out.println();
            out.println("other files in the cache:");
            for (Path p : others) out.printf("  %-40s %s%n", p.getFileName(), status(p));
        }
        out.flush();
        return 0;
    }

    /** Size of a complete file, "partial" for an unfinished download, "-" otherwise. */
    private static String status(Path file) {
        try {
            if (Files.isRegularFile(file) && !file.getFileName().toString().endsWith(".part")) return Progress.size(Files.size(file));
            Path part = Downloader.partOf(file);
            if (file.getFileName().toString().endsWith(".part")) part = file;
            if (Files.isRegularFile(part)) return "partial " + Progress.size(Files.size(part));
        } catch (IOException e) {
            return "unreadable";
        }
        return "-";
    }

    private static List<Path> others(Path dir, Set<String> known) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).filter(p -> !known.contains(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new JrwkvException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
