# Imported targets for EFSTOP_STATIC, under the names the normal build's
# find_package calls give, so the module CMakeLists do not change.
# Debian's static archives: libssl.a, libcrypto.a, libsqlite3.a, libpugixml.a,
# libz.a, libcares.a. From EFSTOP_STATIC_PREFIX: libcurl.a (HTTP/HTTPS over
# OpenSSL, zlib, c-ares; nothing else) and libisal.a.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(OPENSSL_USE_STATIC_LIBS TRUE)
# -static: every -l resolves to an archive and the result has no interpreter.
add_link_options(-static)

find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(pugixml REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(ZLIB REQUIRED)
# libsqlite3.a calls libm and libdl; the shared library brought them itself.
set_property(TARGET SQLite::SQLite3 APPEND PROPERTY INTERFACE_LINK_LIBRARIES m dl Threads::Threads)
# Debian's pugixml::pugixml points at the shared library.
set_property(TARGET pugixml::pugixml PROPERTY INTERFACE_LINK_LIBRARIES pugixml::static)

find_library(EFSTOP_CARES_LIBRARY NAMES cares REQUIRED)
find_library(EFSTOP_ZSTD_LIBRARY NAMES zstd REQUIRED)
find_path(EFSTOP_ZSTD_INCLUDE NAMES zstd.h REQUIRED)
find_library(EFSTOP_CURL_LIBRARY NAMES curl PATHS ${EFSTOP_STATIC_PREFIX} PATH_SUFFIXES lib
             NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH REQUIRED)
find_path(EFSTOP_CURL_INCLUDE NAMES curl/curl.h PATHS ${EFSTOP_STATIC_PREFIX} PATH_SUFFIXES include
          NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH REQUIRED)
find_library(EFSTOP_ISAL_LIBRARY NAMES isal PATHS ${EFSTOP_STATIC_PREFIX} PATH_SUFFIXES lib
             NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH REQUIRED)
find_path(EFSTOP_ISAL_INCLUDE NAMES isa-l/igzip_lib.h PATHS ${EFSTOP_STATIC_PREFIX}
          PATH_SUFFIXES include NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH REQUIRED)

add_library(CURL::libcurl STATIC IMPORTED)
set_target_properties(CURL::libcurl PROPERTIES
  IMPORTED_LOCATION ${EFSTOP_CURL_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${EFSTOP_CURL_INCLUDE}
  INTERFACE_COMPILE_DEFINITIONS CURL_STATICLIB
  INTERFACE_LINK_LIBRARIES "${EFSTOP_CARES_LIBRARY};OpenSSL::SSL;OpenSSL::Crypto;ZLIB::ZLIB;Threads::Threads")
add_library(PkgConfig::LIBISAL STATIC IMPORTED)
set_target_properties(PkgConfig::LIBISAL PROPERTIES
  IMPORTED_LOCATION ${EFSTOP_ISAL_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${EFSTOP_ISAL_INCLUDE})
add_library(PkgConfig::LIBZSTD STATIC IMPORTED)
set_target_properties(PkgConfig::LIBZSTD PROPERTIES
  IMPORTED_LOCATION ${EFSTOP_ZSTD_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${EFSTOP_ZSTD_INCLUDE})
