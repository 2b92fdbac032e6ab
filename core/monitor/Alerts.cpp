#include "Alerts.h"

namespace streamscope {
// Not built yet: the alerts helper writes this file.
struct AlertSender::Private {};
AlertSender::AlertSender(Options, QObject *parent)
    : QObject(parent) {}
AlertSender::~AlertSender() = default;
void AlertSender::send(const AlertEvent &) {}
} // namespace streamscope
