package org.betty4j.runtime.metrics;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in for an MLflow tracking server on 127.0.0.1 that answers exactly the REST calls
 * of MLflow's REST API (2.x) a run makes, as the real server documents them, and records every
 * request. Anything else is answered with HTTP 400 and recorded as unexpected, so a test sees
 * every call. It holds one experiment ({@link #EXPERIMENT_ID}, created on demand) and one run
 * ({@link #RUN_ID}) whose artifact location is given.
 */
public final class FakeMlflowServer implements AutoCloseable {

    public static final String EXPERIMENT_ID = "7";
    public static final String RUN_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    private static final String API = "/api/2.0/mlflow/";
    private static final String ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts/";

    /** One request as received. */
    public record Call(String method, String path, String query, String contentType, byte[] body) {
        public JsonObject json() {
            return JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
        }

        /** The REST endpoint, e.g. {@code runs/log-batch}, or {@code artifacts:<path>} for an upload. */
        public String endpoint() {
            return path.startsWith(API) ? path.substring(API.length()) : "artifacts:" + path.substring(ARTIFACTS.length());
        }
    }

    private final HttpServer server;
    private final String artifactUri;
    private final List<Call> calls = new ArrayList<>();
    private final List<String> unexpected = new ArrayList<>();
    private String experimentName;

    public FakeMlflowServer(String artifactUri) throws IOException {
        this.artifactUri = artifactUri;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The tracking URI to hand to the client. */
    public String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Requests that are not part of MLflow's REST API as a run uses it, or are malformed. */
    public synchronized List<String> unexpected() {
        return List.copyOf(unexpected);
    }

    private synchronized void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getQuery();
        Call call = new Call(method, path, query, exchange.getRequestHeaders().getFirst("Content-Type"), body);
        calls.add(call);
        try {
            respond(exchange, call);
        } catch (RuntimeException e) {
            unexpected.add(method + " " + path + ": " + e);
            send(exchange, 400, "{\"error_code\":\"BAD_REQUEST\",\"message\":\"" + e.getMessage() + "\"}");
        }
    }

    private void respond(HttpExchange exchange, Call call) throws IOException {
        String endpoint = call.path().startsWith(API) || call.path().startsWith(ARTIFACTS) ? call.endpoint() : "?";
        switch (call.method() + " " + (endpoint.startsWith("artifacts:") ? "artifacts" : endpoint)) {
            case "POST experiments/search" -> {
                String filter = call.json().get("filter").getAsString();
                if (!filter.startsWith("name = '") || !filter.endsWith("'")) {
                    throw new IllegalArgumentException("experiments/search: unexpected filter " + filter);
                }
                String name = filter.substring("name = '".length(), filter.length() - 1);
                send(exchange, 200, name.equals(experimentName)
                        ? "{\"experiments\":[{\"experiment_id\":\"" + EXPERIMENT_ID + "\",\"name\":\"" + name
                                + "\",\"lifecycle_stage\":\"active\"}]}"
                        : "{}");
            }
            case "POST experiments/create" -> {
                experimentName = call.json().get("name").getAsString();
                send(exchange, 200, "{\"experiment_id\":\"" + EXPERIMENT_ID + "\"}");
            }
            case "POST runs/create" -> {
                JsonObject request = call.json();
                if (!EXPERIMENT_ID.equals(request.get("experiment_id").getAsString())) {
                    throw new IllegalArgumentException("runs/create in unknown experiment " + request);
                }
                send(exchange, 200, "{\"run\":{\"info\":{\"run_id\":\"" + RUN_ID + "\",\"run_uuid\":\"" + RUN_ID
                        + "\",\"experiment_id\":\"" + EXPERIMENT_ID + "\",\"status\":\"RUNNING\",\"start_time\":"
                        + request.get("start_time").getAsLong() + ",\"artifact_uri\":\"" + artifactUri
                        + "\",\"lifecycle_stage\":\"active\"},\"data\":{}}}");
            }
            case "POST runs/log-batch" -> {
                requireRun(call.json());
                send(exchange, 200, "{}");
            }
            case "POST runs/update" -> {
                JsonObject request = call.json();
                requireRun(request);
                send(exchange, 200, "{\"run_info\":{\"run_id\":\"" + RUN_ID + "\",\"status\":\""
                        + request.get("status").getAsString() + "\"}}");
            }
            case "PUT artifacts" -> send(exchange, 200, "{}");
            default -> throw new IllegalArgumentException("not an MLflow REST call a run makes");
        }
    }

    private static void requireRun(JsonObject request) {
        if (!RUN_ID.equals(request.get("run_id").getAsString())) {
            throw new IllegalArgumentException("unknown run " + request.get("run_id"));
        }
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
