#include "interrupt.hpp"

#include <algorithm>
#include <csignal>
#include <mutex>
#include <thread>
#include <vector>

#include <pthread.h>

namespace gridplan::cli {

namespace {

std::mutex guarded_mutex;
std::vector<io::OutputDir*> guarded;

sigset_t interrupt_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}

} // namespace

void install_interrupt_handling() {
    const sigset_t set = interrupt_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread{[set] {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) {
            return;
        }
        {
            const std::lock_guard<std::mutex> lock{guarded_mutex};
            for (io::OutputDir* out : guarded) {
                out->abandon();
            }
        }
        // End the process by the signal itself, with its default action.
        std::signal(sig, SIG_DFL);
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, sig);
        pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
        std::raise(sig);
    }}.detach();
}

OutputGuard::OutputGuard(io::OutputDir& out) : m_out(out) {
    const std::lock_guard<std::mutex> lock{guarded_mutex};
    guarded.push_back(&m_out);
}

OutputGuard::~OutputGuard() {
    const std::lock_guard<std::mutex> lock{guarded_mutex};
    guarded.erase(std::remove(guarded.begin(), guarded.end(), &m_out), guarded.end());
}

} // namespace gridplan::cli
