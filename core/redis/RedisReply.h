#pragma once

#include <QByteArray>
#include <QString>

#include <optional>
#include <vector>

namespace streamscope {

// One RESP2 reply as a value tree that owns its data. Server errors are values too:
// a WRONGTYPE reply is a RedisReply of type Error carrying the server's message.
class RedisReply {
public:
    enum class Type { Nil, Status, Error, Integer, String, Array };

    RedisReply() = default;
    static RedisReply nil() { return {}; }
    static RedisReply status(QByteArray text) { return RedisReply(Type::Status, std::move(text)); }
    static RedisReply error(QByteArray text) { return RedisReply(Type::Error, std::move(text)); }
    static RedisReply string(QByteArray bytes) {
        return RedisReply(Type::String, std::move(bytes));
    }
    static RedisReply integer(qint64 value);
    static RedisReply array(std::vector<RedisReply> elements);

    Type type() const { return m_type; }
    bool isNil() const { return m_type == Type::Nil; }
    bool isError() const { return m_type == Type::Error; }
    bool isArray() const { return m_type == Type::Array; }
    bool isString() const { return m_type == Type::String; }
    bool isInteger() const { return m_type == Type::Integer; }
    bool isStatus() const { return m_type == Type::Status; }

    // String, status and error replies: the bytes. Integers: their decimal text.
    QByteArray bytes() const;
    QByteArray &&takeBytes() { return std::move(m_bytes); }
    qint64 integer() const { return m_integer; }
    // Integers, and strings that hold a decimal integer (XINFO fields differ across versions).
    bool toInteger(qint64 *out) const;

    const std::vector<RedisReply> &elements() const { return m_elements; }
    std::vector<RedisReply> &elements() { return m_elements; }
    size_t size() const { return m_elements.size(); }
    // The i-th element, or nil when there is none: a reply of an unexpected shape reads as
    // missing data (callers check types) instead of throwing std::out_of_range, which would
    // end the process.
    const RedisReply &at(size_t i) const;

    // The error reply's message, e.g. "WRONGTYPE Operation against a key ...".
    // The server's error text. For an error raised by redis.call inside a Lua script, without
    // what Redis 7 appends (" script: 4a48..., on @user_script:4."): the script is StreamScope's
    // own, its SHA and line tell the user nothing.
    QString errorMessage() const;
    // The first word of an error reply ("NOPERM", "WRONGTYPE", "ERR").
    QByteArray errorCode() const;

    // For a flat [key, value, key, value...] array (XINFO, HELLO): the value of key, or nullptr.
    const RedisReply *field(const char *key) const;
    // The value of key as an integer; nothing when it is missing, nil or not an integer.
    std::optional<qint64> integerField(const char *key) const;

    // A redis-cli like rendering, for debugging and test failure messages.
    QString toDebugString() const;

    bool operator==(const RedisReply &o) const;

private:
    friend class ReplyParser;
    RedisReply(Type type, QByteArray bytes)
        : m_type(type)
        , m_bytes(std::move(bytes)) {}

    Type m_type = Type::Nil;
    qint64 m_integer = 0;
    QByteArray m_bytes;
    std::vector<RedisReply> m_elements;
};

} // namespace streamscope
