"""What dependencies, images, URLs and folders reveal: frameworks, database engines, migrations.

Declared as data: each rule names an exact dependency (a Go module path, a crate, Maven/Gradle
coordinates, a Python distribution, an npm package) or a pattern of a URL or image.
"""

from __future__ import annotations

import re

# Language -> (dependency, framework). Go paths match with any /vN suffix; Java ids by group.
FRAMEWORKS: dict[str, tuple[tuple[str, str], ...]] = {
    "Go": (
        ("github.com/gin-gonic/gin", "gin"),
        ("github.com/labstack/echo", "echo"),
        ("github.com/go-chi/chi", "chi"),
        ("github.com/gofiber/fiber", "fiber"),
        ("connectrpc.com/connect", "connect"),
        ("google.golang.org/grpc", "grpc-go"),
    ),
    "Rust": (("axum", "axum"), ("actix-web", "actix-web"), ("rocket", "rocket"), ("sqlx", "sqlx")),
    "Java": (
        ("org.springframework.boot", "spring-boot"),
        ("io.quarkus", "quarkus"),
        ("io.micronaut", "micronaut"),
    ),
    "Python": (("fastapi", "fastapi"), ("django", "django"), ("flask", "flask"), ("litestar", "litestar")),
    "JavaScript/TypeScript": (("@nestjs/core", "nestjs"), ("express", "express"), ("fastify", "fastify")),
    ".NET": (("sdk:Microsoft.NET.Sdk.Web", "aspnetcore"),),
}

# Engine -> dependencies that are its drivers or clients, in any ecosystem.
DRIVERS: dict[str, tuple[str, ...]] = {
    "PostgreSQL": (
        "github.com/jackc/pgx", "github.com/lib/pq", "tokio-postgres", "postgres", "org.postgresql:postgresql",
        "psycopg", "psycopg2", "psycopg2-binary", "asyncpg", "pg", "Npgsql", "Npgsql.EntityFrameworkCore.PostgreSQL",
    ),
    "MySQL/MariaDB": (
        "github.com/go-sql-driver/mysql", "mysql_async", "mysql", "com.mysql:mysql-connector-j",
        "mysql:mysql-connector-java", "org.mariadb.jdbc:mariadb-java-client", "pymysql", "mysqlclient", "aiomysql",
        "mysql2", "MySqlConnector",
    ),
    "SQLite": ("github.com/mattn/go-sqlite3", "modernc.org/sqlite", "rusqlite", "org.xerial:sqlite-jdbc", "aiosqlite",
               "sqlite3", "better-sqlite3"),
    "MongoDB": ("go.mongodb.org/mongo-driver", "mongodb", "org.mongodb:mongodb-driver-sync", "pymongo", "motor",
                "mongoose"),
    "Redis": ("github.com/redis/go-redis", "redis", "org.springframework.boot:spring-boot-starter-data-redis",
              "redis.clients:jedis", "io.lettuce:lettuce-core", "ioredis", "StackExchange.Redis"),
    "Kafka/Redpanda": ("github.com/twmb/franz-go", "github.com/segmentio/kafka-go", "rdkafka",
                       "org.apache.kafka:kafka-clients", "org.springframework.kafka:spring-kafka", "confluent-kafka",
                       "aiokafka", "kafka-python", "kafkajs", "Confluent.Kafka"),
    "RabbitMQ": ("github.com/rabbitmq/amqp091-go", "lapin", "org.springframework.boot:spring-boot-starter-amqp",
                 "pika", "aio-pika", "amqplib", "RabbitMQ.Client"),
}  # fmt: skip

# Engine -> a pattern of compose images, JDBC/env URLs and Django ENGINE settings.
TEXT_PATTERNS: dict[str, str] = {
    "PostgreSQL": r"image:\s*[\w./-]*postgres|jdbc:postgresql:|postgres(?:ql)?(?:\+\w+)?://|backends\.postgresql",
    "MySQL/MariaDB": r"image:\s*[\w./-]*(?:mysql|mariadb)|jdbc:(?:mysql|mariadb):|mysql(?:\+\w+)?://|backends\.mysql",
    "SQLite": r"jdbc:sqlite:|sqlite(?:\+\w+)?:///|backends\.sqlite3",
    "MongoDB": r"image:\s*[\w./-]*mongo|mongodb(?:\+srv)?://",
    "Redis": r"image:\s*[\w./-]*(?:redis|dragonfly)|rediss?://",
    "Kafka/Redpanda": r"image:\s*[\w./-]*(?:kafka|redpanda)|KAFKA_BROKERS|bootstrap[._-]servers",
    "RabbitMQ": r"image:\s*[\w./-]*rabbitmq|amqps?://",
}

# An engine found -> the answer `new` preselects, or why the templates cannot use it.
ANSWER_FOR_ENGINE: dict[str, tuple[str, str] | str] = {
    "PostgreSQL": ("database", "postgres"),
    "Redis": ("cache", "dragonfly"),
    "Kafka/Redpanda": ("messaging", "redpanda"),
    "MySQL/MariaDB": "MySQL/MariaDB found; PostgreSQL is what the templates use",
    "MongoDB": "MongoDB found; PostgreSQL is what the templates use",
    "SQLite": "SQLite found; PostgreSQL is what the templates use",
    "RabbitMQ": "RabbitMQ found; Redpanda (the Kafka protocol) is what the templates use",
}


def depends_on(dependencies: set[str], wanted: str) -> bool:
    """Whether `wanted` is among the parsed dependencies (a Go path with /vN, a Maven group too)."""
    if wanted in dependencies:
        return True
    for dependency in dependencies:
        if re.fullmatch(re.escape(wanted) + r"(?:/v\d+)?(?:/.*)?", dependency) and "." in wanted.split("/", 1)[0]:
            return True
        if ":" in dependency and "." in wanted and ":" not in wanted and dependency.split(":")[0].startswith(wanted):
            return True
    return False


def frameworks(language: str, dependencies: set[str]) -> set[str]:
    """The frameworks of one module, from its parsed dependencies."""
    return {name for wanted, name in FRAMEWORKS.get(language, ()) if depends_on(dependencies, wanted)}


def engines_in_dependencies(dependencies: set[str]) -> set[str]:
    """The engines whose drivers are among the dependencies."""
    return {engine for engine, drivers in DRIVERS.items() if any(d in dependencies for d in drivers)} | {
        engine
        for engine, drivers in DRIVERS.items()
        for driver in drivers
        if "/" in driver and "." in driver.split("/")[0] and depends_on(dependencies, driver)
    }


def engines_in_text(text: str) -> set[str]:
    """The engines a compose file, a settings file or an example environment names."""
    return {engine for engine, pattern in TEXT_PATTERNS.items() if re.search(pattern, text, re.IGNORECASE)}
