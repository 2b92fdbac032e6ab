#include "ServiceMap.h"

namespace streamscope {

struct ServiceMapBuilder::State {};

const ServiceMapNode *ServiceMap::node(const QString &key) const {
    for (const ServiceMapNode &n : nodes)
        if (n.key == key)
            return &n;
    return nullptr;
}

ServiceMapBuilder::ServiceMapBuilder()
    : ServiceMapBuilder(Options()) {}
ServiceMapBuilder::ServiceMapBuilder(Options options)
    : m_options(options)
    , m_state(std::make_shared<State>()) {}

void ServiceMapBuilder::addSnapshot(const GroupSnapshot &) {}
void ServiceMapBuilder::addStreams(const StreamInfoList &) {}
void ServiceMapBuilder::addClients(const ClientSample &) {}
ServiceMap ServiceMapBuilder::map() const {
    return {};
}

} // namespace streamscope
