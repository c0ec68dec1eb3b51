package bench.twin;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/** The bare Spring MVC baseline of the java-spring template: only the essential work of three routes. */
@SpringBootApplication
@RestController
public class Twin {

    record Item(String sku, String name, int quantity, long unitPriceCents) {}

    record NewOrder(String currency, List<Item> items) {}

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final StringRedisTemplate redis;
    private final JsonMapper json;
    private final NimbusJwtDecoder decoder;

    Twin(JdbcTemplate jdbc, TransactionTemplate transactions, StringRedisTemplate redis, JsonMapper json,
            @Value("${JWT_SECRET}") String secret, @Value("${JWT_ISSUER}") String issuer) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.redis = redis;
        this.json = json;
        SecretKey key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.decoder = NimbusJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build();
        this.decoder.setJwtValidator(
                new DelegatingOAuth2TokenValidator<>(new JwtTimestampValidator(), new JwtIssuerValidator(issuer)));
    }

    public static void main(String[] args) {
        SpringApplication.run(Twin.class, args);
    }

    @GetMapping(path = "/healthz", produces = MediaType.APPLICATION_JSON_VALUE)
    String healthz() {
        return "{\"status\":\"ok\"}";
    }

    /** The token's subject, or null when the bearer token is missing or invalid. */
    private String caller(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return null;
        }
        try {
            return decoder.decode(authorization.substring(7)).getSubject();
        } catch (JwtException invalid) {
            return null;
        }
    }

    @GetMapping("/api/v1/users/me")
    ResponseEntity<String> me(@RequestHeader(name = "Authorization", required = false) String authorization) {
        String subject = caller(authorization);
        if (subject == null) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
        }
        String cached = redis.opsForValue().get("user:" + subject);
        // The bench warms the key first: a miss is a broken run, not a path to measure.
        return cached == null
                ? ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).build()
                : ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(cached);
    }

    @PostMapping("/api/v1/orders")
    ResponseEntity<String> createOrder(
            @RequestHeader(name = "Authorization", required = false) String authorization,
            @RequestBody NewOrder body) {
        String subject = caller(authorization);
        if (subject == null) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
        }
        UUID id = UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<Map<String, Object>> items = new ArrayList<>();
        long total = 0;
        for (Item item : body.items()) {
            long line = item.quantity() * item.unitPriceCents();
            total += line;
            items.add(Map.of("sku", item.sku(), "name", item.name(), "quantity", item.quantity(),
                    "unit_price_cents", item.unitPriceCents(), "line_total_cents", line));
        }
        Map<String, Object> order = new LinkedHashMap<>();
        order.put("id", id.toString());
        order.put("user_id", subject);
        order.put("status", "pending");
        order.put("currency", body.currency());
        order.put("items", items);
        order.put("total_cents", total);
        order.put("created_at", now.toString());
        order.put("updated_at", now.toString());
        String payload = json.writeValueAsString(order);
        insert(id, UUID.fromString(subject), body.currency(), total, now, items, payload);
        return ResponseEntity.status(HttpStatus.CREATED)
                .header("Location", "/api/v1/orders/" + id)
                .contentType(MediaType.APPLICATION_JSON)
                .body(payload);
    }

    /** The order, its items (one batch) and its outbox row, in one transaction. */
    private void insert(UUID id, UUID user, String currency, long total, Instant now,
            List<Map<String, Object>> items, String payload) {
        java.sql.Timestamp at = java.sql.Timestamp.from(now);
        transactions.executeWithoutResult(status -> {
            jdbc.update("INSERT INTO orders (id, user_id, status, currency, total_cents, created_at, updated_at)"
                    + " VALUES (?, ?, 'pending', ?, ?, ?, ?)", id, user, currency, total, at, at);
            List<Object[]> rows = new ArrayList<>();
            for (int n = 0; n < items.size(); n++) {
                Map<String, Object> item = items.get(n);
                rows.add(new Object[] {id, n + 1, item.get("sku"), item.get("name"), item.get("quantity"),
                        item.get("unit_price_cents"), item.get("line_total_cents")});
            }
            jdbc.batchUpdate("INSERT INTO order_items (order_id, line_no, sku, name, quantity, unit_price_cents,"
                    + " line_total_cents) VALUES (?, ?, ?, ?, ?, ?, ?)", rows);
            jdbc.update("INSERT INTO outbox (id, aggregate_id, type, payload, created_at)"
                    + " VALUES (?, ?, 'order.created', ?::jsonb, ?)", UUID.randomUUID(), id, payload, at);
        });
    }
}
