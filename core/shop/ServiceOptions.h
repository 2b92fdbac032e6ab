#pragma once

#include "ConnectionSettings.h"
#include "GroupConsumer.h"

#include <QCommandLineParser>

#include <functional>
#include <memory>

namespace streamscope::shop {

// The options every shop service takes: --url and the consumer's knobs and fault switches.
void addCommonOptions(QCommandLineParser &parser, bool consumer);
Result<ConnectionSettings> settingsFrom(const QCommandLineParser &parser,
                                        const QString &clientName);
// Fills the knobs of options from the parser (stream, group and consumer are the caller's).
Error applyConsumerOptions(const QCommandLineParser &parser, GroupConsumer::Options *options);
// What a consumer service does once its options are parsed: connection settings, the
// consumer's knobs, the log, the stop signals, the handler (made by makeHandler, which may
// fail, e.g. when its database cannot be opened), then the consumer loop. Returns the exit code.
struct ConsumerService {
    QString name; // "payment-service"
    QByteArray stream;
    QByteArray group;
    QString consumer;
};
int runConsumerService(
    const QCommandLineParser &parser, const ConsumerService &service,
    const std::function<Result<std::unique_ptr<MessageHandler>>(const ServiceLog &)> &makeHandler);

// Parses, prints help or the usage error; returns -1 to go on, or the exit code.
int parseOrExit(QCommandLineParser &parser, const QStringList &args);

} // namespace streamscope::shop
